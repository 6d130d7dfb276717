"""What Litestar leaves loose at the boundary: a JSON body's types, and a query parameter sent twice.

Litestar converts a handler's ``data`` with msgspec's ``strict=False``, so ``"deliveryProbe": 1``
became ``true`` and ``"sizeBytes": "1"`` became ``1``, and it keeps the last of a repeated query
parameter (``?limit=5&limit=500``). ``StrictRequests`` is every function's ``before_request`` hook: it
runs after the guards (an unknown caller still gets its 401) and before Litestar parses anything, and
answers 400 naming the field as the caller sent it when

- the body does not decode with the handler's own type, strictly (JSON types as declared; unknown
  fields as each Struct says): judged by the route, whatever ``Content-Type`` claims, as Litestar does;
- a query parameter the route takes one value of comes more than once.

Malformed JSON and an empty body are left to Litestar's own answer; routes that read their raw bytes
(signed webhooks) decode them with msgspec's default, which is already strict.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import msgspec
from litestar import Litestar, Request
from litestar.enums import ParamType, RequestEncodingType
from litestar.exceptions import ImproperlyConfiguredException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from shared.infra.field_patterns import rules

_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_WRONG_TYPE = re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`$")
_FIELD_NAMED = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<field>[^`]+)`$")
# msgspec's type names, as a frontend developer reads JSON.
_JSON_WORDS = {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "text",
               "object": "an object", "array": "a list", "null": "null"}


class _Rules(NamedTuple):
    body: msgspec.json.Decoder | None
    single_query: tuple[str, ...]


class StrictRequests:
    """``Litestar(before_request=hook)``, then ``hook.learn(app)`` once the app has its routes."""

    def __init__(self) -> None:
        self._rules: dict[int, _Rules] = {}

    def learn(self, app: Litestar) -> None:
        for route in app.routes:
            if not isinstance(route, HTTPRoute):
                continue
            for handler, kwargs_model in route.route_handler_map.values():
                if handler.resolve_before_request() is not self:
                    # A route's own hook would replace this one (Litestar keeps the closest layer's).
                    raise ImproperlyConfiguredException(f"{handler.handler_name} sets its own before_request")
                single = tuple(sorted(p.field_alias for p in kwargs_model.expected_query_params
                                      if not p.is_sequence))
                self._rules[id(handler)] = _Rules(_strict_decoder(handler), single)

    async def __call__(self, request: Request[Any, Any, Any]) -> None:
        rules = self._rules.get(id(request.route_handler))
        if rules is None:
            return
        repeated = [name for name in rules.single_query if len(request.query_params.getall(name, ())) > 1]
        if repeated:
            raise _invalid(request, [{"key": name, "message": f"Send {name} once; it came more than once.",
                                      "source": ParamType.QUERY} for name in repeated])
        if rules.body is None:
            return
        body = await request.body()  # kept by the request: Litestar's own parsing reads it from there
        if not body:
            return
        try:
            rules.body.decode(body)
        except msgspec.ValidationError as problem:
            raise _body_problem(request, str(problem)) from None
        except msgspec.DecodeError:
            return  # not JSON at all: Litestar answers that with its own 400


def _strict_decoder(handler: HTTPRouteHandler) -> msgspec.json.Decoder | None:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None or handler.resolve_data_dto() is not None:
        return None
    if getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON) != RequestEncodingType.JSON:
        return None  # form and multipart bodies are text by nature
    return msgspec.json.Decoder(data.annotation, strict=True)


def _body_problem(request: Request[Any, Any, Any], error: str) -> ValidationException:
    found = _AT.match(error)
    problem, path = (found["problem"], (found["path"] or "").lstrip(".")) if found else (error, "")
    named = _FIELD_NAMED.match(problem)
    if named:
        path = f"{path}.{named['field']}" if path else named["field"]
    if not path:
        # The body as a whole is wrong (a list, a number): no field to name.
        return ValidationException(detail=f"The body {_said(problem)}")
    return _invalid(request, [{"key": path, "message": f"{path} {_said(problem, named)}",
                               "source": "body"}])


def _said(problem: str, named: re.Match[str] | None = None) -> str:
    """The rest of a sentence that starts with the field's name."""
    if named:
        return "is required." if named["what"] == "missing required" else "is not a field of this request."
    wrong = _WRONG_TYPE.match(problem)
    if wrong:
        expected = " or ".join(_JSON_WORDS.get(kind, kind) for kind in wrong["expected"].split(" | "))
        return f"must be {expected}, not {_JSON_WORDS.get(wrong['got'], wrong['got'])}."
    for pattern, rule in rules():  # the regex itself means nothing to the person a frontend shows this to
        if problem == f"Expected `str` matching regex {pattern!r}":
            return f"{rule}."
    return f"is invalid: {problem}."


def _invalid(request: Request[Any, Any, Any], errors: list[dict[str, Any]]) -> ValidationException:
    # The shape of Litestar's own validation answers; shared/http/app.py renders both alike.
    return ValidationException(detail=f"Validation failed for {request.method} {request.url.path}", extra=errors)
