"""The input boundary every function shares: hostile bytes get a 400 naming the field, never a 500.

One ASGI middleware (installed by ``make_function_app``) looks at every request before its handler:

- the path and query string: no NUL (``%00``), valid UTF-8 after percent-decoding;
- JSON bodies, judged by what the route parses and not by the header the caller claims (a JSON
  content type, a handler that decodes ``data`` as JSON, or a route declared with ``opt=JSON_BODY``:
  signed webhooks decode their raw bytes whether they come as ``text/plain``, form-encoded,
  ``octet-stream`` or without a content type): read whole up to the route's limit (at most
  ``MAX_JSON_BYTES``) and checked *before* any decoder runs — valid UTF-8, nesting at most
  ``MAX_JSON_DEPTH`` deep (a 1000-deep body would hit the interpreter's recursion limit inside the
  decoder), no NUL in any string or key (PostgreSQL text and jsonb cannot store it), and timestamps
  sane: a field named ``...At`` holding an ISO-8601 date-time must carry a time zone and lie
  between ``EARLIEST`` and ``FUTURE_SKEW`` from now.

A route that authenticates its caller before it reads the body (the signed webhooks) declares
``opt={**JSON_BODY, **READ_ON_DEMAND}``: its body is then read and checked only when the handler reads
it — the same checks, the same 400/413 answers — so a caller refused before that is never read.

Multipart uploads are streamed by their handler (``shared/knowledge/uploads.py`` checks the filename
and title itself); raw e-mail (``message/rfc822``) is parsed by the inbox.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(days=1)  # clocks of shops and marketplaces drift; a year ahead is not drift

# A route that decodes its raw body as JSON itself declares it: ``@route(..., opt=JSON_BODY)``.
JSON_BODY = {"body": "json"}
# A route whose handler decides whether to read the body at all (see the module docstring).
READ_ON_DEMAND = {"body_read": "on_demand"}

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A JSON string literal, unrolled so the regex engine never backtracks.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NUL_ESCAPE = b"\\u0000"
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class HostileInput(Exception):
    def __init__(self, status: int, field: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message

    def body(self) -> bytes:
        payload: dict[str, Any] = {"detail": self.message}
        if self.field is not None:
            payload["errors"] = [{"key": self.field, "message": self.message}]
        return msgspec.json.encode(payload)


class RefusedBody(HTTPException):
    """HostileInput found while the handler reads its body: the app's error handler answers it alike."""

    def __init__(self, refused: HostileInput) -> None:
        extra = [{"key": refused.field, "message": refused.message}] if refused.field is not None else None
        super().__init__(detail=refused.message, status_code=refused.status, extra=extra)


def input_guard(app: ASGIApp) -> ASGIApp:
    """Litestar middleware: ``Litestar(middleware=[input_guard])``."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        try:
            check_path_and_query(scope.get("path", ""), scope.get("query_string", b""))
            if scope.get("method") in _BODY_METHODS and _decodes_json(scope):
                if _reads_on_demand(scope):
                    receive = _checked_when_read(scope, receive, _body_limit(scope))
                else:
                    body = await _read_body(scope, receive, _body_limit(scope))
                    check_json_body(body)
                    receive = _replay(body, receive)
        except HostileInput as refused:
            await _answer(send, refused)
            return
        await app(scope, receive, send)

    return guarded


def check_path_and_query(path: str, query_string: bytes) -> None:
    if "\x00" in path:
        raise HostileInput(400, "path", "The address contains a NUL character.")
    if not query_string:
        return
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        label = _query_label(name)
        for part in (name, value):
            raw = unquote_to_bytes(part.replace(b"+", b" "))
            if b"\x00" in raw:
                raise HostileInput(400, label, f"The query parameter '{label}' contains a NUL character.")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                raise HostileInput(400, label, f"The query parameter '{label}' is not valid UTF-8.") from None


def check_json_body(body: bytes) -> None:
    """Raise HostileInput for invalid UTF-8, excessive nesting, NUL characters or absurd timestamps.

    Syntax errors are left to the handler's own decoder, which answers them with its usual 400.
    """
    if not body:
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise HostileInput(400, None, f"The body is not valid UTF-8 (byte {bad.start}).") from None
    _check_depth(body)
    if _NUL_ESCAPE not in body and b'At"' not in body and b'_at"' not in body:
        return  # nothing below can apply: skip decoding twice
    try:
        document = msgspec.json.decode(body)
    except (msgspec.DecodeError, ValueError):
        return
    _check_values(document, "")


def _check_depth(body: bytes) -> None:
    brackets = _JSON_STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise HostileInput(400, None, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")


def _check_values(value: Any, path: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise HostileInput(400, path or None, f"{path or 'The body'} contains a NUL character.")
        if path.endswith(("At", "_at")) and _ISO_DATETIME.match(value):
            _check_timestamp(path, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if "\x00" in key:
                raise HostileInput(400, path or None, "A field name contains a NUL character.")
            _check_values(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{path}[{index}]")


def _check_timestamp(field: str, value: str) -> None:
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return  # not a date-time after all: the schema decides
    if moment.tzinfo is None:
        raise HostileInput(400, field, f"{field} needs a time zone, e.g. 2026-11-26T10:00:00Z or +01:00.")
    now = datetime.now(UTC)
    if moment > now + FUTURE_SKEW:
        raise HostileInput(400, field, f"{field} is in the future; send the time the event happened.")
    if moment < EARLIEST:
        raise HostileInput(400, field, f"{field} is before {EARLIEST.year}; send the time the event happened.")


def _query_label(name: bytes) -> str:
    label = unquote_to_bytes(name.replace(b"+", b" ")).replace(b"\x00", b"").decode("utf-8", "replace")
    return label[:64] or "query"


def _decodes_json(scope: Scope) -> bool:
    content_type = _header(scope, b"content-type").split(";", 1)[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return True
    handler = scope.get("route_handler")
    if (getattr(handler, "opt", None) or {}).get("body") == JSON_BODY["body"]:
        return True
    data = getattr(getattr(handler, "parsed_fn_signature", None), "parameters", {}).get("data")
    if data is None:
        return False
    # Litestar decodes a JSON ``data`` body whatever Content-Type says, so judge by the handler.
    media_type = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return media_type == RequestEncodingType.JSON


def _reads_on_demand(scope: Scope) -> bool:
    opt = getattr(scope.get("route_handler"), "opt", None) or {}
    return opt.get("body_read") == READ_ON_DEMAND["body_read"]


def _body_limit(scope: Scope) -> int:
    handler = scope.get("route_handler")
    resolve = getattr(handler, "resolve_request_max_body_size", None)
    limit = resolve() if resolve else None
    return min(limit, MAX_JSON_BYTES) if limit else MAX_JSON_BYTES


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    declared = _header(scope, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        raise HostileInput(413, None, f"The JSON body is larger than {limit // 1024} KB.")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HostileInput(413, None, f"The JSON body is larger than {limit // 1024} KB.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _checked_when_read(scope: Scope, receive: Receive, limit: int) -> Receive:
    read = False

    async def checked() -> Message:
        nonlocal read
        if read:
            return await receive()  # http.disconnect, when the client goes away
        read = True
        try:
            body = await _read_body(scope, receive, limit)
            check_json_body(body)
        except HostileInput as refused:
            raise RefusedBody(refused) from None
        return {"type": "http.request", "body": body, "more_body": False}

    return checked


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # http.disconnect, when the client goes away

    return replayed


async def _answer(send: Send, refused: HostileInput) -> None:
    body = refused.body()
    await send({"type": "http.response.start", "status": refused.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
