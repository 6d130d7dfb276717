"""Auth failures as HTTP errors whose `detail` a frontend can show as is."""

from __future__ import annotations

from litestar.exceptions import HTTPException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_402_PAYMENT_REQUIRED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
)

BAD_CREDENTIALS = "Email or password is incorrect."
SESSION_INVALID = "Your session is invalid or has expired. Please sign in again."


class Unauthenticated(HTTPException):
    status_code = HTTP_401_UNAUTHORIZED

    def __init__(self, detail: str = SESSION_INVALID) -> None:
        super().__init__(detail=detail, headers={"WWW-Authenticate": 'Bearer realm="bokai"'})


class Forbidden(HTTPException):
    status_code = HTTP_403_FORBIDDEN


class NotFound(HTTPException):
    status_code = HTTP_404_NOT_FOUND


class Conflict(HTTPException):
    status_code = HTTP_409_CONFLICT


class InvalidInput(HTTPException):
    status_code = HTTP_400_BAD_REQUEST

    def __init__(self, field: str, message: str) -> None:
        super().__init__(detail=message, extra=[{"key": field, "message": message}])


class PaymentRequired(HTTPException):
    status_code = HTTP_402_PAYMENT_REQUIRED


class TooManyAttempts(HTTPException):
    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, retry_after_seconds: int, detail: str | None = None) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(detail=detail or f"Too many sign-in attempts. Try again in {minutes} min.",
                         headers={"Retry-After": str(retry_after_seconds)})
