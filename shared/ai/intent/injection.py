"""Attempts to steer the reply AI ("ignore previous instructions", fake system lines): never answered by it.

High-precision phrases only; the trained classifier covers paraphrases. Matched diacritics- and
case-insensitively, as whole words.
"""

from __future__ import annotations

import re

from shared.ai.textnorm import compile_folded, fold

_W = r"(?:\w+ ){0,3}"
_PATTERNS = compile_folded(
    # Polish
    rf"(?:zignoruj|ignoruj|pomi[nń]|zapomnij)\w* {_W}(?:poprzedni\w*|wcze[sś]niejsz\w*|powy[zż]sz\w*|wszystki\w*|swoj\w*) "
    rf"{_W}(?:polece[nń]\w*|instrukcj\w*|zasad\w*|regu[lł]\w*|wytyczn\w*|ustawie[nń]\w*)",
    r"(?:tw[oó]j|tw[oó]ja|swoj\w*) (?:prompt\w*|instrukcj\w* systemow\w*|polecenia systemow\w*)",
    r"prompt\w* systemow\w*", r"instrukcj\w* systemow\w*", r"od teraz jeste[sś]",
    r"jeste[sś] teraz (?:\w+ ){0,2}(?:asystent\w*|bot\w*|modelem|ai|innym|pirat\w*|hakerem)",
    r"udawaj[,]? [zż]e", r"wciel si[eę]", rf"dane {_W}innych (?:klient\w*|kupuj\w*|u[zż]ytkownik\w*)",
    r"tryb (?:deweloper\w*|administrator\w*|debug\w*)",
    rf"(?:zapomnij|zignoruj) (?:o )?{_W}(?:zasad\w*|regu[lł]\w*|polece[nń]\w*|instrukcj\w*|regulamin\w*)",
    r"instrukcj\w* dla (?:ai|bota|asystenta|modelu|czatu|chatbota|sztucznej inteligencji)",
    # English
    rf"ignore {_W}(?:previous|prior|above|earlier|all|your) {_W}(?:instructions?|prompts?|rules|directions)",
    rf"disregard {_W}(?:previous|prior|above|earlier|all|your) {_W}(?:instructions?|prompts?|rules)",
    rf"forget {_W}(?:previous|prior|your|all) {_W}(?:instructions?|rules|prompts?)",
    r"system prompt", r"you are now (?:a|an|my|the|dan|in)", r"from now on you are", r"pretend (?:to be|you are)", r"jailbreak\w*",
    r"developer mode", r"instructions? (?:for|to) (?:the )?(?:ai|assistant|bot|model|chatbot)", r"act as (?:an?|my|the) (?:\w+ )?(?:ai|assistant|admin\w*|developer|system|hacker|jailbroken|unrestricted|evil|dan)", r"(?:reveal|print|show|repeat) (?:me )?(?:your|the) (?:instructions|prompt|rules)",
    # Romanian, Hungarian, Bulgarian
    r"ignor[aă] (?:instruc[tț]iunile|toate instruc[tț]iunile)", r"hagyd figyelmen k[ií]v[uü]l",
    r"игнорирай (?:предишните|всички) (?:инструкции|указания)",
)
# Fake role markers at the start of a line: "[SYSTEM]", "SYSTEM:", "<|im_start|>", "### Instruction".
_ROLE_MARKERS = re.compile(
    # Hidden HTML comments carry instructions a person reading the message would never see.
    r"<!--|\[(?:system|admin|developer|assistant|sys)\]|^\s*(?:system|admin|assistant|developer)\s*:"
    r"|<\|?(?:im_start|im_end|system|endoftext)\|?>|^\s*###\s*(?:instruction|system)", re.MULTILINE)


def injection_phrases(text: str) -> list[str]:
    """The steering phrases found in `text`, as the customer wrote them (empty when none)."""
    folded = fold(text)
    spans = [m.span() for m in _PATTERNS.finditer(folded)]
    spans += [m.span() for m in _ROLE_MARKERS.finditer(folded)]
    return [text[start:end] for start, end in sorted(spans)]
