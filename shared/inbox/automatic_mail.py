"""Mail no person wrote — auto-replies, bounces, lists, no-reply and marketplace senders, our own mail.

RFC 3834 §2: a responder must never answer mail whose ``Auto-Submitted`` is anything but ``no``; the
same holds for delivery reports (RFC 3464, ``multipart/report``), list traffic (RFC 2369/2919) and
senders nobody reads. Such mail is recorded for the seller and handed to a person (reason
``automatic_mail``); the AI never sees it, so two auto-responders cannot loop through us. Headers
decide first; sender names and subjects only where no header says anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import collapse_rfc2231_value

from shared.channels import amazon
from shared.inbox.schemas import EmailPayload

HANDOFF_REASON = "automatic_mail"
# What parse_email keeps of a mail for this decision (EmailPayload.automation_headers).
HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress", "precedence",
           "list-id", "list-unsubscribe", "x-failed-recipients", "return-path")
_MAX_VALUE_CHARS = 300

_BOUNCE_SENDERS = ("mailerdaemon", "postmaster")
# Local parts of addresses nobody reads (separators ignored): en, pl, ro, hu, as eMAG sells in RO/BG/HU.
_NO_REPLY = ("noreply", "donotreply", "donotrespond", "nieodpowiadaj", "nuraspunde", "nevalaszolj")
# eMAG's own mail (order, offer and "new message in Mesaje" notices) comes from its national domains;
# buyers write from their own addresses [I: eMAG documents no sender list].
_EMAG_DOMAINS = ("emag.ro", "emag.bg", "emag.hu")
# Out-of-office and bounce subjects of Exchange/Outlook, Gmail, Postfix, Exim in en/pl/ro/hu: only ever
# consulted when no header marked the mail.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|out of (the )?office|odpowied[zź] automatyczna"
    r"|automatyczna odpowied[zź]|poza biurem|r[aă]spuns automat|automatikus v[aá]lasz)\s*:", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail returned to sender|delivery status notification \(failure\)"
    r"|mail delivery failed|returned mail|niedostarczalne|nie mo[zż]na dostarczy[cć])\b", re.I)


@dataclass(frozen=True, slots=True)
class AutomaticMail:
    kind: str  # bounce | auto_reply | bulk | no_reply | marketplace | own_address
    signal: str  # what showed it, as the seller can check it in the mail ("Auto-Submitted: auto-replied")

    def as_meta(self) -> dict[str, str]:
        return {"kind": self.kind, "signal": self.signal[:200]}


def automation_headers(message: EmailMessage, header) -> dict[str, str]:  # noqa: ANN001 - header(message, name)
    """The headers ``classify`` reads, plus the top-level content type of a delivery report."""
    kept = {name: value[:_MAX_VALUE_CHARS] for name in HEADERS if (value := header(message, name))}
    if message.get_content_type() == "multipart/report":
        report_type = collapse_rfc2231_value(message.get_param("report-type") or "").strip().lower()
        kept["content-type"] = f"multipart/report; report-type={report_type[:60]}"
    return kept


def classify(email: EmailPayload, own_address: str | None) -> AutomaticMail | None:
    """Why this mail is automatic, or None when a person may have written it."""
    headers, sender = email.automation_headers, (email.from_address or "").lower()
    return (_by_headers(headers, _lists_count(headers, email, own_address))
            or _by_sender(sender, email.reply_to, own_address)
            or _by_subject(email.subject or ""))


def _by_headers(headers: dict[str, str], lists_count: bool) -> AutomaticMail | None:
    report = headers.get("content-type")
    if report:
        kind = "bounce" if report.endswith("delivery-status") else "auto_reply"
        return AutomaticMail(kind, f"Content-Type: {report}")
    if "x-failed-recipients" in headers:
        return AutomaticMail("bounce", f"X-Failed-Recipients: {headers['x-failed-recipients']}")
    submitted = headers.get("auto-submitted", "").split(";", 1)[0].strip().lower()
    # "auto-forwarded": a forwarding hop stamped its redirect of what may well be a person's mail [I].
    if submitted and submitted not in ("no", "auto-forwarded"):
        return AutomaticMail("auto_reply", f"Auto-Submitted: {submitted}")
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        if headers.get(name, "").strip().lower() not in ("", "no", "false", "0"):
            return AutomaticMail("auto_reply", f"{label}: {headers[name]}")
    suppress = headers.get("x-auto-response-suppress", "").lower()
    # Exchange stamps its own out-of-office and system replies "All" (or lists OOF) so nobody answers them.
    if "all" in suppress or "oof" in suppress:
        return AutomaticMail("auto_reply", f"X-Auto-Response-Suppress: {headers['x-auto-response-suppress']}")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "auto_reply":
        return AutomaticMail("auto_reply", "Precedence: auto_reply")
    if lists_count:
        if precedence in ("bulk", "junk", "list"):
            return AutomaticMail("bulk", f"Precedence: {precedence}")
        for name, label in (("list-id", "List-Id"), ("list-unsubscribe", "List-Unsubscribe")):
            if name in headers:
                return AutomaticMail("bulk", f"{label}: {headers[name]}")
    if headers.get("return-path", "").replace(" ", "") == "<>":
        # The null sender of RFC 5321 §4.5.5: reports and auto-responses must use it so nobody answers.
        return AutomaticMail("auto_reply", "Return-Path: <>")
    return None


def _lists_count(headers: dict[str, str], email: EmailPayload, own_address: str | None) -> bool:
    """Whether list headers mean a list sent this. Not when the list is the seller's own (a Google Group
    as the shop's address relays every customer's mail with List-Id and Precedence: list), nor on
    Amazon's buyer relay, which re-sends each buyer's own words from Amazon's systems [I]."""
    if amazon.is_amazon_buyer_mail(email.from_address, email.reply_to):
        return False
    local, _, domain = (own_address or "").strip().lower().partition("@")
    list_id = headers.get("list-id", "").lower().rsplit("<", 1)[-1].rstrip("> ")
    # Google Groups names the list of group@domain "group.domain".
    return not (domain and list_id == f"{local}.{domain}")


def _by_sender(sender: str, reply_to: str | None, own_address: str | None) -> AutomaticMail | None:
    local, _, domain = sender.partition("@")
    squashed = re.sub(r"[-_.+]", "", local)
    if squashed.startswith(_BOUNCE_SENDERS):
        return AutomaticMail("bounce", f"From: {sender}")
    if squashed.startswith(_NO_REPLY):
        return AutomaticMail("no_reply", f"From: {sender}")
    if any(domain == d or domain.endswith("." + d) for d in _EMAG_DOMAINS):
        return AutomaticMail("marketplace", f"From: {sender}")
    own = (own_address or "").strip().lower()
    # Our own replies and test mail coming back. A list that rewrites From to the shop's address for
    # DMARC keeps the customer in Reply-To: that mail is the customer's.
    if own and sender == own and (reply_to or own).strip().lower() == own:
        return AutomaticMail("own_address", f"From: {sender}")
    return None


def _by_subject(subject: str) -> AutomaticMail | None:
    if _BOUNCE_SUBJECT.match(subject):
        return AutomaticMail("bounce", f"Subject: {subject[:200]}")
    if _AUTO_REPLY_SUBJECT.match(subject):
        return AutomaticMail("auto_reply", f"Subject: {subject[:200]}")
    return None
