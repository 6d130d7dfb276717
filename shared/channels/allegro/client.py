"""Allegro REST API client (Message Center, purchase issues, /me); the base URL is configuration.

Production ``https://api.allegro.pl``, sandbox ``https://api.allegro.pl.allegrosandbox.pl``, tests
point it at the contract fake. Every call sends ``Accept: application/vnd.allegro.public.v1+json``.
"""

from __future__ import annotations

from datetime import datetime

import httpx2
import msgspec

from shared.channels.http import PlatformClient, parse
from shared.channels.platform_settings import AllegroSettings
from shared.settings import load

PUBLIC_V1 = "application/vnd.allegro.public.v1+json"
# The purchase-issues API (/sale/issues) is published as beta.
BETA_V1 = "application/vnd.allegro.beta.v1+json"
THREADS_PAGE = 20  # Allegro's maximum for /messaging/threads
MESSAGES_PAGE = 20


class Login(msgspec.Struct, kw_only=True):
    login: str | None = None


class Thread(msgspec.Struct, kw_only=True):
    id: str
    lastMessageDateTime: datetime | None = None
    read: bool = True
    interlocutor: Login | None = None


class ThreadPage(msgspec.Struct, kw_only=True):
    threads: list[Thread]


class Author(msgspec.Struct, kw_only=True):
    login: str | None = None
    isInterlocutor: bool = False


class Attachment(msgspec.Struct, kw_only=True):
    fileName: str | None = None
    url: str | None = None


class Reference(msgspec.Struct, kw_only=True):
    id: str | None = None


class RelatesTo(msgspec.Struct, kw_only=True):
    offer: Reference | None = None
    order: Reference | None = None  # the checkout form id of a post-purchase thread


class Message(msgspec.Struct, kw_only=True):
    id: str
    createdAt: datetime
    author: Author
    text: str = ""
    status: str = "DELIVERED"  # VERIFYING | BLOCKED | DELIVERED | INTERACTING | DISMISSED
    type: str | None = None
    subject: str | None = None
    attachments: list[Attachment] = []
    relatesTo: RelatesTo | None = None  # noqa: N815 - Allegro's field name


class MessagePage(msgspec.Struct, kw_only=True):
    messages: list[Message]


class IssueChatLast(msgspec.Struct, kw_only=True):
    createdAt: datetime | None = None


class IssueChatSummary(msgspec.Struct, kw_only=True):
    lastMessage: IssueChatLast | None = None


class Issue(msgspec.Struct, kw_only=True):
    id: str
    subject: str | None = None
    buyer: Login | None = None
    chat: IssueChatSummary | None = None
    openedDate: datetime | None = None
    checkoutForm: Reference | None = None  # noqa: N815 - the order the issue is about


class IssuePage(msgspec.Struct, kw_only=True):
    issues: list[Issue]


class IssueAuthor(msgspec.Struct, kw_only=True):
    login: str | None = None
    role: str = "BUYER"  # BUYER | SELLER | ADMIN


class IssueMessage(msgspec.Struct, kw_only=True):
    id: str
    createdAt: datetime
    author: IssueAuthor
    text: str = ""


class IssueChat(msgspec.Struct, kw_only=True):
    chat: list[IssueMessage]


class Me(msgspec.Struct, kw_only=True):
    id: str
    login: str | None = None


class AllegroClient(PlatformClient):
    platform = "Allegro"

    def __init__(self, settings: AllegroSettings | None = None, **options) -> None:
        settings = settings or load(AllegroSettings)
        super().__init__(settings.api_url, {"Accept": PUBLIC_V1, "Content-Type": PUBLIC_V1}, **options)

    def user_message(self, response: httpx2.Response) -> str:
        # Allegro errors: {"errors": [{"code", "message", "userMessage", ...}]}
        try:
            errors = msgspec.json.decode(response.content).get("errors") or []
            first = errors[0]
            return str(first.get("userMessage") or first.get("message"))[:300]
        except (msgspec.DecodeError, AttributeError, IndexError, TypeError):
            return super().user_message(response)

    async def me(self, token: str) -> Me:
        return parse(await self.request("GET", "/me", token), Me, self.platform)

    async def threads(self, token: str, offset: int) -> list[Thread]:
        body = await self.request("GET", "/messaging/threads", token, params={"limit": THREADS_PAGE, "offset": offset})
        return parse(body, ThreadPage, self.platform).threads

    async def messages(self, token: str, thread_id: str, *, offset: int = 0, after: datetime | None = None,
                       ) -> list[Message]:
        body = await self.request("GET", f"/messaging/threads/{thread_id}/messages", token, params={
            "limit": MESSAGES_PAGE, "offset": offset, "after": after.isoformat() if after else None})
        return parse(body, MessagePage, self.platform).messages

    async def post_message(self, token: str, thread_id: str, text: str) -> Message:
        body = await self.request("POST", f"/messaging/threads/{thread_id}/messages", token, json={"text": text})
        return parse(body, Message, self.platform)

    async def issues(self, token: str, offset: int) -> list[Issue]:
        body = await self._beta("GET", "/sale/issues", token, params={"limit": 100, "offset": offset})
        return parse(body, IssuePage, self.platform).issues

    async def issue_chat(self, token: str, issue_id: str) -> list[IssueMessage]:
        return parse(await self._beta("GET", f"/sale/issues/{issue_id}/chat", token), IssueChat, self.platform).chat

    async def post_issue_message(self, token: str, issue_id: str, text: str) -> IssueMessage:
        body = await self._beta("POST", f"/sale/issues/{issue_id}/message", token,
                                json={"text": text, "type": "REGULAR"})
        return parse(body, IssueMessage, self.platform)

    async def _beta(self, method: str, path: str, token: str, **kwargs):
        return await self.request(method, path, token, headers={"Accept": BETA_V1, "Content-Type": BETA_V1},
                                  **kwargs)
