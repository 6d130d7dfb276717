"""Every endpoint is usable from its OpenAPI alone (issue 23): an operation whose handler reads a body
documents that body's schema, also when it reads the raw bytes itself (signed webhooks, streamed uploads)."""

from __future__ import annotations

import inspect
import re

import pytest
from litestar import Litestar, post
from litestar.handlers import HTTPRouteHandler

from shared.gateway.discovery import load_functions
from shared.http.documented import documented_body
from shared.inbox.schemas import GenericMessage

# How a handler gets at a body it parses itself.
_READS_RAW_BODY = re.compile(r"request\.(body|json|form|stream)\b")
_NO_BODY = {"GET", "HEAD", "OPTIONS", "DELETE"}


def takes_a_body(handler: HTTPRouteHandler) -> bool:
    return ("data" in handler.parsed_fn_signature.parameters or "body" in handler.opt or "body_read" in handler.opt
            or bool(_READS_RAW_BODY.search(inspect.getsource(handler.fn))))


def undocumented_bodies(app: Litestar) -> list[str]:
    paths = app.openapi_schema.to_schema()["paths"]
    missing = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not handler.resolve_include_in_schema():
                continue
            if not takes_a_body(handler):
                continue
            for method in sorted(handler.http_methods - _NO_BODY):
                operation = paths[re.sub(r":\w+}", "}", route.path)][method.lower()]
                content = (operation.get("requestBody") or {}).get("content") or {}
                if not content or not all(media.get("schema") for media in content.values()):
                    missing.append(f"{method} {route.path}")
    return missing


@pytest.mark.parametrize("name", sorted(load_functions()))
def test_every_operation_that_takes_a_body_documents_its_schema(name):
    assert not undocumented_bodies(load_functions([name])[name])


def test_the_check_catches_a_raw_body_without_a_schema_and_accepts_a_documented_one():
    @post("/raw", opt={"body": "json"})
    async def raw(request: "Request") -> None:  # noqa: F821 - never called
        await request.body()

    @post("/documented", opt={"body": "json"}, dependencies=documented_body(GenericMessage))
    async def documented(request: "Request") -> None:  # noqa: F821 - never called
        await request.body()

    assert undocumented_bodies(Litestar([raw, documented], debug=False)) == ["POST /raw"]


def test_the_generic_webhook_documents_its_body_signature_and_errors():
    operation = load_functions(["webhooks"])["webhooks"].openapi_schema.to_schema()["paths"][
        "/channels/{tenant_id}/{channel_account_id}/messages"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GenericMessage"}
    for rule in ("X-BokAI-Timestamp", "X-BokAI-Signature: sha256=", 'timestamp + "." + raw body', "5 minutes",
                 "inboundUrl", "platformConversationId"):
        assert rule in operation["description"], rule
    assert {"202", "400", "401", "404", "409", "413", "429"} <= set(operation["responses"])
