"""Token bookkeeping shared by the fakes: rotating single-use refresh tokens, revocation, expiry."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from tests.fakes.base import Reply


@dataclass
class TokenAuthority:
    access_ttl: int = 43200
    access: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (user, expires)
    refresh: dict[str, str] = field(default_factory=dict)  # live refresh token -> user
    spent_refresh: set[str] = field(default_factory=set)  # used or revoked: invalid_grant forever
    refresh_calls: int = 0

    def issue(self, user: str) -> dict:
        access, refresh = f"at-{secrets.token_hex(8)}", f"rt-{secrets.token_hex(8)}"
        self.access[access] = (user, time.time() + self.access_ttl)
        self.refresh[refresh] = user
        return {"access_token": access, "token_type": "bearer", "refresh_token": refresh,
                "expires_in": self.access_ttl, "scope": "allegro:api:messaging", "jti": secrets.token_hex(4)}

    def rotate(self, refresh_token: str) -> Reply:
        self.refresh_calls += 1
        user = self.refresh.pop(refresh_token, None)
        if user is None:
            return Reply(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
        self.spent_refresh.add(refresh_token)
        return Reply(200, self.issue(user))

    def user_of(self, access_token: str | None) -> str | None:
        user, expires = self.access.get(access_token or "", (None, 0.0))
        return user if user and expires > time.time() else None

    def expire_access_tokens(self) -> None:
        self.access = {token: (user, 0.0) for token, (user, _) in self.access.items()}

    def revoke(self, user: str) -> None:
        """What a password change or "log out everywhere" does: every token of the user dies."""
        self.access = {t: v for t, v in self.access.items() if v[0] != user}
        for token in [t for t, u in self.refresh.items() if u == user]:
            self.spent_refresh.add(token)
            del self.refresh[token]
