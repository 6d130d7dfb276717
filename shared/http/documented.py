"""OpenAPI for a body a handler reads raw: documented like a ``data`` parameter, never parsed for it.

A signed webhook must verify its signature over the exact bytes, and reads them only once the caller got
past the cheap checks (``READ_ON_DEMAND``), so it cannot take a ``data`` parameter. Litestar documents
the ``data`` of a handler's dependencies as its request body, and resolves a dependency only when the
handler asks for it by name: a dependency no handler asks for puts the body's schema into the OpenAPI
and costs nothing at run time.
"""

from typing import Annotated, Any

import msgspec
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body

DOCUMENTED_BODY = "documented_request_body"


def documented_body(schema: Any, media_type: str | RequestEncodingType = RequestEncodingType.JSON,
                    *, description: str | None = None) -> dict[str, Provide]:
    """``dependencies=`` for a route whose body is ``schema`` (a msgspec Struct, ``bytes`` for raw media)."""

    def never_called(data: Any) -> None:  # pragma: no cover - only its signature is read
        raise AssertionError(f"{DOCUMENTED_BODY} is documentation; no handler may ask for it")

    never_called.__annotations__ = {
        "data": Annotated[schema, Body(media_type=media_type, description=description)], "return": None}
    return {DOCUMENTED_BODY: Provide(never_called, sync_to_thread=False)}


class FieldProblem(msgspec.Struct, rename="camel", kw_only=True):
    key: str
    message: str


class ErrorAnswer(msgspec.Struct, rename="camel", kw_only=True):
    """Every 4xx/5xx body (shared/http/app.py): a message a frontend can show; field problems for 400."""

    detail: str
    errors: list[FieldProblem] | None = None


def error_answers(statuses: dict[int, str]) -> dict[int, ResponseSpec]:
    """``responses=`` documenting what each error status of a route means."""
    return {status: ResponseSpec(data_container=ErrorAnswer, description=meaning, generate_examples=False)
            for status, meaning in statuses.items()}
