"""The caller as every function sees it, built from a verified access token alone."""

from __future__ import annotations

from uuid import UUID

import msgspec

from shared.auth.tokens import AccessClaims

PAYING_STATUSES = frozenset({"active", "trialing"})


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    tenant_id: UUID
    role: str
    permissions: frozenset[str]
    subscription_status: str
    token_id: str
    session_id: str
    expires_at: int

    @classmethod
    def from_claims(cls, claims: AccessClaims) -> Principal:
        return cls(user_id=UUID(claims.sub), tenant_id=UUID(claims.tid), role=claims.role,
                   permissions=frozenset(claims.perms), subscription_status=claims.subscription,
                   token_id=claims.jti, session_id=claims.sid, expires_at=claims.exp)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def may_spend(self) -> bool:
        return self.subscription_status in PAYING_STATUSES
