"""Every operation of every function that documents a JSON body refuses one field of the wrong JSON type
with a 400, never a 5xx, whether it is sent as JSON, as text/plain or with no content type; a route that
parses ``data`` names the field as sent (shared/http/strict.py). Before, ``"deliveryProbe": 1`` and
``"sizeBytes": "1"`` were accepted: Litestar decoded bodies with msgspec's ``strict=False``."""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.handlers import HTTPRouteHandler

from shared.gateway.discovery import load_functions
from tests.webhooks.support import add_channel, signed_headers

pytestmark = pytest.mark.integration

# A field the loose decoder coerced comes first: that is what strictness changes.
PREFERRED = ["boolean", "integer", "number", "string", "array", "object"]
WRONG = {"boolean": 1, "integer": "1", "number": "1.5", "string": 1, "array": "x", "object": "x"}
FILLER = {"boolean": True, "integer": 1, "number": 1, "string": "x", "array": [], "object": {}}
CONTENT_TYPES = ["application/json", "text/plain", None]
BILLING_SECRET = "billing-secret-for-strict-tests"


def _json_operations() -> list[tuple[str, str, str, bool, dict, dict]]:
    """(function, method, path, whether its handler takes ``data``, body schema, components)."""
    found = []
    for name, app in sorted(load_functions().items()):
        schema = app.openapi_schema.to_schema()
        for route in app.routes:
            path = re.sub(r":\w+}", "}", route.path)
            for handler in getattr(route, "route_handlers", []):
                if not isinstance(handler, HTTPRouteHandler) or not handler.resolve_include_in_schema():
                    continue
                for method in sorted(handler.http_methods):
                    operation = schema["paths"][path].get(method.lower()) or {}
                    media = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json")
                    if media:
                        takes_data = "data" in handler.parsed_fn_signature.parameters
                        found.append((name, method, path, takes_data, media["schema"], schema["components"]))
    return found


OPERATIONS = _json_operations()


def resolved(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def json_types(schema: dict, components: dict) -> list[str]:
    schema = resolved(schema, components)
    if "type" in schema:
        return schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    members = schema.get("oneOf") or schema.get("anyOf") or []
    return [kind for member in members for kind in json_types(member, components)] or ["object"]


def wrong_body(schema: dict, components: dict) -> tuple[str, dict]:
    """The field made wrong, and a body with it first (msgspec reports the first problem it meets)."""
    schema = resolved(schema, components)
    kinds = {field: min((k for k in json_types(prop, components) if k != "null"), key=PREFERRED.index)
             for field, prop in schema["properties"].items()}
    field = min(kinds, key=lambda name: PREFERRED.index(kinds[name]))
    body = {field: WRONG[kinds[field]]}
    for name in schema.get("required", []):
        prop = resolved(schema["properties"][name], components)
        body.setdefault(name, filler(prop, kinds[name]))
    return field, body


def filler(prop: dict, kind: str):
    if prop.get("enum"):
        return prop["enum"][0]
    return {"uuid": str(uuid.uuid4()), "date-time": datetime.now(UTC).isoformat()}.get(prop.get("format"),
                                                                                       FILLER[kind])


@pytest.fixture(scope="module")
async def generic_channel(seller):
    secret = "s3cret-" + uuid.uuid4().hex
    return await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret}), secret


def credentials(function: str, path: str, body: bytes, seller, channel) -> dict[str, str]:
    """The signed webhooks authenticate before they read: sign so the body is what gets judged."""
    if (function, path) == ("webhooks", "/channels/{tenant_id}/{channel_account_id}/messages"):
        return signed_headers(channel[1], body)
    if (function, path) == ("webhooks", "/billing"):
        return signed_headers(BILLING_SECRET, body)
    if (function, path) == ("webhooks", "/minio"):
        token = (Path(os.environ["SECRETS_DIR"]) / "minio-webhook-token").read_text().strip()
        return {"authorization": f"Bearer {token}"}
    return dict(seller.headers)


def url(function: str, path: str, seller, channel) -> str:
    values = {"tenant_id": str(seller.tenant_id), "channel_account_id": str(channel[0])}
    return f"/function/{function}" + re.sub(r"{(\w+)}", lambda m: values.get(m[1], str(uuid.uuid4())), path)


def test_the_table_covers_the_routes_that_used_to_coerce():
    covered = {(function, method, path) for function, method, path, *_ in OPERATIONS}
    assert {("channels", "POST", "/generic"), ("kb", "POST", "/uploads"), ("ai", "PATCH", "/config"),
            ("webhooks", "POST", "/billing")} <= covered


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=["json", "text-plain", "no-content-type"])
@pytest.mark.parametrize(("function", "method", "path", "takes_data", "schema", "components"), OPERATIONS,
                         ids=[f"{f}-{m}-{p}" for f, m, p, *_ in OPERATIONS])
async def test_a_field_of_the_wrong_json_type_is_a_400(gateway, seller, generic_channel, monkeypatch, function,
                                                      method, path, takes_data, schema, components, content_type):
    monkeypatch.setenv("BILLING_WEBHOOK_SECRET", BILLING_SECRET)
    field, body = wrong_body(schema, components)
    raw = json.dumps(body).encode()
    headers = credentials(function, path, raw, seller, generic_channel)
    headers.pop("content-type", None)
    if content_type is not None:
        headers["content-type"] = content_type
    answer = await gateway.request(method, url(function, path, seller, generic_channel), content=raw,
                                   headers=headers)
    assert answer.status_code == 400, f"{field}={body[field]!r}: {answer.status_code} {answer.text}"
    if takes_data:  # the routes that read raw bytes answer in their own words (detail only)
        assert [(e["key"], e["source"]) for e in answer.json()["errors"]] == [(field, "body")], answer.text
