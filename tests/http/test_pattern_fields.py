"""Every request field with a published pattern, on every function, refuses its own example with a line
break appended: a 400 naming the field (in a sentence, where the route parses ``data``). msgspec checks a
pattern with Python's ``re.search``, whose ``$`` also matches before a final "\\n": "smtp.sklep.pl\\n" was a
valid smtpHost and "obsluga@sklep.pl\\n" a valid senderAddress (a mail header in waiting)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from shared.infra.field_patterns import rule_of
from tests.http.test_wrong_json_types import BILLING_SECRET, OPERATIONS, credentials, resolved, url

pytestmark = pytest.mark.integration

Path = tuple[str | int, ...]
# No pattern field is on the generic channel's webhook, the one route that needs a real channel.
NO_CHANNEL = (uuid.uuid4(), "")


def pattern_fields(schema: dict, components: dict, path: Path = ()) -> Iterator[tuple[Path, dict]]:
    """(the way to the field, its schema) for every field with a pattern, through objects, lists and unions."""
    schema = resolved(schema, components)
    if "pattern" in schema:
        yield path, schema
    for name, prop in (schema.get("properties") or {}).items():
        yield from pattern_fields(prop, components, (*path, name))
    if "items" in schema:
        yield from pattern_fields(schema["items"], components, (*path, 0))
    for member in schema.get("oneOf") or schema.get("anyOf") or []:
        yield from pattern_fields(member, components, path)


def key(path: Path) -> str:
    """The field as a 400 names it: ``businessHours.week.mon[0].start``."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")


def only(path: Path, value: str):
    """A body holding just this field: its pattern is then the first problem msgspec meets."""
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return value


FIELDS = sorted({(function, method, route, takes_data, path, json.dumps(field, sort_keys=True))
                 for function, method, route, takes_data, schema, components in OPERATIONS
                 for path, field in pattern_fields(schema, components)})


def errors(answer: httpx.Response) -> list[dict]:
    return (answer.json() if answer.content else {}).get("errors", [])


async def send(gateway, seller, function: str, method: str, route: str, body) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {**credentials(function, route, raw, seller, NO_CHANNEL), "content-type": "application/json"}
    return await gateway.request(method, url(function, route, seller, NO_CHANNEL), content=raw, headers=headers)


def test_the_fields_the_hole_was_found_in_are_covered():
    named = {(function, key(path)) for function, _, _, _, path, _ in FIELDS}
    assert {("channels", "senderAddress"), ("channels", "smtpHost"), ("channels", "imapHost"),
            ("channels", "callbackUrl"), ("channels", "sentFolder"), ("channels", "flowId"),
            ("channels", "displayName"), ("auth", "companyName"), ("webhooks", "plan"),
            ("ai", "businessHours.week.mon[0].start")} <= named, sorted(named)


@pytest.mark.parametrize(("function", "method", "route", "takes_data", "path", "field"), FIELDS,
                         ids=[f"{f}-{m}-{r}-{key(p)}" for f, m, r, _, p, _ in FIELDS])
async def test_a_line_break_after_a_valid_value_is_a_400_naming_the_field(gateway, seller, monkeypatch, function,
                                                                        method, route, takes_data, path, field):
    monkeypatch.setenv("BILLING_WEBHOOK_SECRET", BILLING_SECRET)
    field, name = json.loads(field), key(path)
    assert field.get("examples"), f"{name} on {function} {route}: give it Meta(examples=[...]), a valid value"
    example = field["examples"][0]
    assert re.search(field["pattern"], example), f"{name}: its example {example!r} does not match its pattern"

    valid = await send(gateway, seller, function, method, route, only(path, example))
    answer = await send(gateway, seller, function, method, route, only(path, example + "\n"))

    assert answer.status_code == 400, f"{name}={example + chr(10)!r}: {answer.status_code} {answer.text}"
    if takes_data:
        assert answer.json()["errors"] == [{"key": name, "message": f"{name} {rule_of(field['pattern'])}.",
                                            "source": "body"}], answer.text
        assert name not in {error["key"] for error in errors(valid)}, valid.text
    else:  # routes that read their raw bytes answer in their own words (detail only)
        assert f"$.{name}`" in answer.json()["detail"], answer.text
        assert f"$.{name}`" not in valid.text, valid.text
