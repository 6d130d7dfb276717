"""One translation of a domain's own errors into the API's 4xx answers.

Each domain raises its own types (they carry ``message`` and, for bad input, ``field``); a handler
module binds them once: ``_call = DomainErrors(errors.NotFound, errors.InvalidRequest, errors.StateConflict).answer``.
Other sellers' ids are the domain's NotFound too, so they get the same 404 as missing ones.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from shared.auth.errors import Conflict, InvalidInput, NotFound

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DomainErrors:
    not_found: type[Exception]
    invalid: type[Exception]
    conflict: type[Exception]

    async def answer(self, operation: Awaitable[T]) -> T:
        try:
            return await operation
        except self.not_found as missing:
            raise NotFound(detail=missing.message) from None
        except self.invalid as problem:
            raise InvalidInput(getattr(problem, "field", None) or "body", problem.message) from None
        except self.conflict as refused:
            raise Conflict(detail=refused.message) from None
