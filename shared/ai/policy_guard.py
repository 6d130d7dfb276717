"""Marketplace policy guard: what a draft reply may not contain before it is sent, per platform.

`clean_reply` first (it strips citation markers such as "[1]" that the prompt asks for), then
`check_reply`; a draft with any violation is never auto-sent. Rules come from the marketplaces
reference: Amazon allows no links leading off Amazon, no e-mail addresses and no marketing;
Allegro's 2026 rules block links off Allegro, asking for a rating, invoices as links, and moving
the buyer or the payment off Allegro; OLX and eMAG get the same off-platform rules; eMAG replies
must be in Romanian, Bulgarian or Hungarian. Phone numbers are treated as off-platform contact
everywhere but e-mail and the seller's own channels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.ai import policy_patterns as p
from shared.ai.language import LANGUAGE_NAMES_PL, detect
from shared.ai.textnorm import compile_folded, fold

# Characters per message. Allegro's 2000 is the commonly quoted Message Center limit; the others
# are conservative assumptions (no documented limit found), kept well under what e-mail carries.
MAX_LENGTH = {"allegro": 2000, "amazon": 4000, "olx": 4000, "emag": 4000, "email": 10000, "generic": 4000}
MARKETPLACES = ("allegro", "amazon", "olx", "emag")
# Links into the platform itself are fine (an offer, the returns form); anything else leads off it.
ALLOWED_HOSTS = {
    "allegro": ("allegro.pl", "allegrolokalnie.pl", "allegro.cz", "allegro.sk"),
    "amazon": ("amazon.pl", "amazon.de", "amazon.com", "amazon.co.uk", "amazon.fr", "amazon.it", "amazon.es"),
    "olx": ("olx.pl", "olx.ro", "olx.bg"),
    "emag": ("emag.ro", "emag.bg", "emag.hu"),
}
# Which marketplace rules apply where; e-mail and generic (the seller's own channels) get only the common ones.
RULES = {
    "allegro": {"link", "email", "phone", "off_platform", "rating", "invoice_link", "payment"},
    "amazon": {"link", "email", "phone", "off_platform", "rating", "payment", "marketing"},
    "olx": {"link", "email", "phone", "off_platform"},
    "emag": {"link", "email", "phone", "off_platform", "rating", "payment", "marketing", "language"},
}
EMAG_LANGUAGES = ("ro", "bg", "hu")

MESSAGES = {
    "empty": "Odpowiedź jest pusta.",
    "too_long": "Odpowiedź ma {found} znaków, a {platform} przyjmuje najwyżej {limit}.",
    "external_link": "Link prowadzący poza platformę {platform} ({found}).",
    "email_address": "Adres e-mail w odpowiedzi ({found}) – {platform} tego zabrania.",
    "phone_number": "Numer telefonu w odpowiedzi ({found}) przenosi rozmowę poza {platform}.",
    "off_platform_contact": "Zachęta do kontaktu poza {platform} ({found}).",
    "rating_request": "Prośba o ocenę lub komentarz ({found}) – {platform} tego zabrania.",
    "invoice_link": "Faktura jako link ({found}) – Allegro blokuje takie wiadomości.",
    "payment_off_platform": "Płatność poza platformą {platform} ({found}).",
    "marketing": "Treść marketingowa lub promocyjna ({found}) – {platform} tego zabrania.",
    "wrong_language": "Odpowiedź jest w języku o kodzie „{found}”, a powinna być w języku: {limit}.",
    "ai_artifact": "Pozostałość po modelu językowym ({found}).",
    "placeholder": "Niewypełnione pole szablonu ({found}).",
    "prompt_leak": "Odpowiedź zawiera fragment instrukcji dla modelu ({found}).",
}
PLATFORM_NAMES = {"allegro": "Allegro", "amazon": "Amazon", "olx": "OLX", "emag": "eMAG",
                  "email": "e-mail", "generic": "kanał"}


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str  # for the seller, in Polish
    excerpt: str = ""  # what was found, as the draft wrote it


@dataclass(frozen=True, slots=True)
class PolicyResult:
    allowed: bool
    violations: list[Violation] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violations]


_CITATION = re.compile(r"\s*(?:\[\^?(?:(?:źródło|zrodlo|source)\s*)?\d+(?:\s*[,;–-]\s*\d+)*\]|【[^】]{0,40}】)")
_LEADING_LABEL = re.compile(r"^\s*(?:assistant|asystent|odpowied[zź]|answer)\s*:\s*", re.IGNORECASE)
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_MANY_SPACES = re.compile(r"[ \t]{2,}")

_TLD = "|".join(p.TLDS)
_URL = re.compile(
    rf"(?:(?:https?|ftp)://|www\.)[^\s<>\"')\]]+"
    rf"|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLD})(?![\w@-])(?:/[^\s<>\"')\]]*)?"
    rf"|\b[a-z0-9-]+\s*(?:\[\.\]|\(\.\)|\s(?:kropka|dot)\s)\s*(?:{_TLD})\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+\s*(?:@|\(at\)|\[at\]|\s(?:małpa|malpa|at)\s)\s*[\w-]+(?:\s*(?:\.|\[\.\]|\(\.\)|\skropka\s)\s*[\w-]+)+",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{1,2}[\s-]?\d{2,4}(?:[\s-]?\d{2,4}){1,3}(?![\d])"
    r"|(?<![\d-])\d{3}[\s-]\d{3}[\s-]\d{3}(?![\d-])|(?<![\d-])\d{2}[\s-]\d{3}[\s-]\d{2}[\s-]\d{2}(?![\d-])"
    r"|(?:tel\.?|telefon\w*|kom\.?|komórk\w*|sms|whatsapp|zadzwo\w*|phone|call)\D{0,20}(?<![\d-])\d{9}(?![\d-])",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(p.ACCOUNT_NUMBER, re.IGNORECASE)
_OFF_PLATFORM = compile_folded(*p.OFF_PLATFORM)
_RATING = compile_folded(*p.RATING_REQUEST)
_INVOICE_LINK = compile_folded(*p.INVOICE_LINK)
_INVOICE = compile_folded(r"faktur\w*", r"invoice\w*", r"factur\w*", r"sz[aá]ml[aá]\w*", r"фактур\w*")
_PAYMENT = compile_folded(*p.PAYMENT_OFF_PLATFORM)
_MARKETING = compile_folded(*p.MARKETING)
_MARKETING_PERCENT = re.compile(p.MARKETING_PERCENT, re.IGNORECASE)
_AI = compile_folded(*p.AI_ARTEFACTS)
_AI_MARKUP = re.compile(p.AI_MARKUP, re.IGNORECASE | re.MULTILINE)
_LEAK = compile_folded(*p.PROMPT_LEAK)
_PROMPT_TAGS = re.compile(p.PROMPT_TAGS, re.IGNORECASE)
_PLACEHOLDER = re.compile(p.PLACEHOLDER)
_CONTENT = re.compile(r"[^\W_]")
_WHITESPACE = re.compile(r"\s+")


def clean_reply(text: str) -> str:
    """Strip citation markers ("[1]", "[2, 3]") and a leading "Odpowiedź:" label; tidy the spacing."""
    text = _CITATION.sub("", text or "")
    text = _LEADING_LABEL.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    lines = [_MANY_SPACES.sub(" ", line).strip() for line in text.strip().splitlines()]
    return "\n".join(lines)


def check_reply(
    platform: str,
    text: str,
    *,
    forbidden_phrases: Sequence[str] = (),
    expected_language: str | None = None,
) -> PolicyResult:
    """Every rule `text` breaks on `platform`; unknown platforms get the generic rules."""
    platform = platform.lower() if platform.lower() in MAX_LENGTH else "generic"
    name = PLATFORM_NAMES.get(platform, platform)
    rules = RULES.get(platform, set())
    found: list[tuple[str, str, str]] = []  # (code, excerpt, limit)

    def add(code: str, excerpt: str, limit: str = "") -> None:
        found.append((code, excerpt.strip(), limit))

    text = text or ""
    if not _CONTENT.search(text):
        add("empty", "")
    limit = MAX_LENGTH[platform]
    if len(text) > limit:
        add("too_long", str(len(text)), str(limit))
    folded = fold(text)

    def first(pattern: re.Pattern[str]) -> str | None:
        match = pattern.search(folded)
        return text[match.start():match.end()] if match else None

    links = [m.group() for m in _URL.finditer(text)]
    emails = [m.group() for m in _EMAIL.finditer(text)]
    if "link" in rules:
        outside = [link for link in links if not _is_allowed(link, platform) and not _inside_email(link, emails)]
        if outside:
            add("external_link", ", ".join(outside[:3]))
    if "email" in rules and emails:
        add("email_address", emails[0])
    if "phone" in rules and (phone := _PHONE.search(_ACCOUNT.sub(" ", text))):
        add("phone_number", phone.group())
    if "off_platform" in rules and (excerpt := first(_OFF_PLATFORM)):
        add("off_platform_contact", excerpt)
    if "rating" in rules and (excerpt := first(_RATING)):
        add("rating_request", excerpt)
    if "invoice_link" in rules:
        excerpt = first(_INVOICE_LINK) or (first(_INVOICE) if links else None)
        if excerpt:
            add("invoice_link", excerpt)
    if "payment" in rules:
        account = _ACCOUNT.search(text)
        excerpt = first(_PAYMENT) or (account.group() if account else None)
        if excerpt:
            add("payment_off_platform", excerpt)
    if "marketing" in rules:
        percent = _MARKETING_PERCENT.search(text)
        excerpt = first(_MARKETING) or (percent.group() if percent else None)
        if excerpt:
            add("marketing", excerpt)
    allowed_languages = (expected_language,) if expected_language else (
        EMAG_LANGUAGES if "language" in rules else ())
    if allowed_languages and text.strip():
        detection = detect(text)
        if not detection.fallback and detection.language not in allowed_languages:
            add("wrong_language", detection.language, ", ".join(LANGUAGE_NAMES_PL.get(c, c) for c in allowed_languages))
    ai = first(_AI) or ((m := _AI_MARKUP.search(text)) and m.group())
    if ai:
        add("ai_artifact", ai)
    if placeholder := _PLACEHOLDER.search(_CITATION.sub("", text)):
        add("placeholder", placeholder.group())
    leak = first(_LEAK) or ((m := _PROMPT_TAGS.search(text)) and m.group()) or _leaked_phrase(folded, forbidden_phrases)
    if leak:
        add("prompt_leak", leak)

    violations = [
        Violation(code, MESSAGES[code].format(found=excerpt, platform=name, limit=limit), excerpt)
        for code, excerpt, limit in found
    ]
    return PolicyResult(allowed=not violations, violations=violations)


def _is_allowed(link: str, platform: str) -> bool:
    host = re.sub(r"^(?:(?:https?|ftp)://)?", "", link.lower()).split("/")[0].split("?")[0].split(":")[0]
    return any(host == allowed or host.endswith("." + allowed) for allowed in ALLOWED_HOSTS.get(platform, ()))


def _inside_email(link: str, emails: list[str]) -> bool:
    return any(link in email for email in emails)


def _leaked_phrase(folded: str, phrases: Sequence[str]) -> str | None:
    squeezed = _WHITESPACE.sub(" ", folded)
    for phrase in phrases:
        needle = _WHITESPACE.sub(" ", fold(phrase)).strip()
        if len(needle) >= 8 and needle in squeezed:
            return phrase.strip()
    return None
