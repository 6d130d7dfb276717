"""Request field patterns that match the whole value in Python and in JavaScript, each with what a 400 says."""

from __future__ import annotations

# msgspec checks a ``Meta(pattern=...)`` with Python's ``re.search``, whose ``$`` also matches before a
# final line break: "smtp.sklep.pl\n" passed ``^[^\x00-\x20]+$`` (a header line in waiting). ``(?!\n)``
# rules that out and means nothing to ECMA-262, whose ``$`` is the end of the text, so the pattern a
# frontend reads from the OpenAPI schema accepts exactly what the server does. ``\Z`` would not: in
# JavaScript it is a plain "Z".
END = r"$(?!\n)"

_RULES: dict[str, str] = {}


def whole_value(pattern: str, rule: str) -> str:
    """``^pattern$`` for the whole value, its trailing line break included.

    ``rule`` finishes the sentence "<field> …" a 400 says when a value does not match, so a frontend can
    show it (shared/http/strict.py); the regex itself never reaches a person. ``pattern`` alternates
    only inside a group: ``^a|b$`` would anchor each side at one end only.
    """
    anchored = f"^{pattern}{END}"
    _RULES[anchored] = rule
    return anchored


def rule_of(pattern: str) -> str | None:
    return _RULES.get(pattern)


def rules() -> list[tuple[str, str]]:
    """(pattern, rule) for every pattern made so far: all of them, once the schemas are imported."""
    return list(_RULES.items())
