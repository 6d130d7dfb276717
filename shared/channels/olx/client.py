"""OLX Partner API client (``/api/partner``, header ``Version: 2.0``); the base URL is configuration."""

from __future__ import annotations

from datetime import datetime

import httpx2
import msgspec

from shared.channels.http import PlatformClient, parse
from shared.channels.platform_settings import OlxSettings
from shared.settings import load

THREADS_PAGE = 50


class Thread(msgspec.Struct, kw_only=True):
    id: int | str
    total_count: int = 0
    unread_count: int = 0
    advert_id: int | str | None = None
    interlocutor_id: int | str | None = None


class Message(msgspec.Struct, kw_only=True):
    id: int | str
    created_at: datetime
    type: str  # received | sent
    text: str = ""
    attachments: list[dict] = []


class Threads(msgspec.Struct, kw_only=True):
    data: list[Thread]


class Messages(msgspec.Struct, kw_only=True):
    data: list[Message]


class User(msgspec.Struct, kw_only=True):
    id: int | str
    email: str | None = None
    name: str | None = None


class UserEnvelope(msgspec.Struct, kw_only=True):
    data: User


class OlxClient(PlatformClient):
    platform = "OLX"

    def __init__(self, settings: OlxSettings | None = None, **options) -> None:
        settings = settings or load(OlxSettings)
        super().__init__(settings.api_url, {"Version": "2.0", "Accept": "application/json"}, **options)

    def user_message(self, response: httpx2.Response) -> str:
        # OLX errors: {"error": {"status", "title", "detail"}}
        try:
            error = msgspec.json.decode(response.content).get("error") or {}
            return str(error.get("detail") or error.get("title"))[:300]
        except (msgspec.DecodeError, AttributeError, TypeError):
            return super().user_message(response)

    async def me(self, token: str) -> User:
        return parse(await self.request("GET", "/users/me", token), UserEnvelope, self.platform).data

    async def user(self, token: str, user_id: str) -> User:
        """Another OLX user's public profile (``GET /users/{id}``): the buyer's display ``name``."""
        return parse(await self.request("GET", f"/users/{user_id}", token), UserEnvelope, self.platform).data

    async def threads(self, token: str, offset: int) -> list[Thread]:
        body = await self.request("GET", "/threads", token, params={"offset": offset, "limit": THREADS_PAGE})
        return parse(body, Threads, self.platform).data

    async def messages(self, token: str, thread_id: str) -> list[Message]:
        return parse(await self.request("GET", f"/threads/{thread_id}/messages", token), Messages, self.platform).data

    async def post_message(self, token: str, thread_id: str, text: str) -> None:
        await self.request("POST", f"/threads/{thread_id}/messages", token, json={"text": text})
