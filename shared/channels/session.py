"""Calls on behalf of one connected account: a valid access token, one refresh on 401, then give up."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.channels.connection import Connection, Refresher, dead_connection_message, mark_dead, rotate_tokens
from shared.channels.errors import ConnectionDead, TokenRejected

T = TypeVar("T")
# Refresh a little before the platform's expiry so a token never dies in the middle of a sync.
EXPIRY_LEEWAY_SECONDS = 120


class AuthorizedSession:
    def __init__(self, connection: Connection, refresher: Refresher, platform_label: str) -> None:
        self.connection = connection
        self._refresher = refresher
        self._label = platform_label

    @property
    def access_token(self) -> str:
        return self.connection.credentials.get("accessToken", "")

    async def _refresh(self, stale_access_token: str) -> None:
        try:
            self.connection = await rotate_tokens(self.connection, self._refresher,
                                                  stale_access_token=stale_access_token)
        except ConnectionDead:
            await mark_dead(self.connection.tenant_id, self.connection.account_id,
                            dead_connection_message(self._label))
            raise ConnectionDead(dead_connection_message(self._label)) from None

    async def call(self, request: Callable[[str], Awaitable[T]]) -> T:
        """``request(access_token)``; a 401 is answered by one refresh and one more try."""
        expires_at = int(self.connection.credentials.get("expiresAt") or 0)
        if expires_at - time.time() < EXPIRY_LEEWAY_SECONDS:
            await self._refresh(self.access_token)
        token = self.access_token
        try:
            return await request(token)
        except TokenRejected:
            await self._refresh(token)
        try:
            return await request(self.access_token)
        except TokenRejected:
            # A fresh token refused as well: access was revoked on the platform's side.
            await mark_dead(self.connection.tenant_id, self.connection.account_id,
                            dead_connection_message(self._label))
            raise ConnectionDead(dead_connection_message(self._label)) from None
