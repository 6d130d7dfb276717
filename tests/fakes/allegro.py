"""Allegro contract fake: Message Center, purchase issues, /me, OAuth device flow and rotating tokens.

From developer.allegro.pl: threads newest first (limit 1..20, offset), messages with limit/offset/
after/before, ``Accept: application/vnd.allegro.public.v1+json`` required, 401 for a bad token,
429 with ``{"errors": [...]}``, one posted message per second per user, single-use refresh tokens.
Misbehaviour on demand: held (late-verified) messages, deleted messages, duplicates across pages
(``overlap_pages``), and canned 429/5xx/garbage via ``fail``.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tests.fakes.base import FakeApp, FakeRequest, Reply
from tests.fakes.oauth import TokenAuthority

ACCEPT = "application/vnd.allegro.public.v1+json"
BETA = "application/vnd.allegro.beta.v1+json"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TOO_MANY = {"errors": [{"code": "TooManyRequestsException", "message": "Too many requests",
                        "details": None, "path": None, "userMessage": "Przekroczono limit zapytań"}]}


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class FakeMessage:
    id: str
    thread_id: str
    text: str
    created_at: datetime
    login: str
    from_buyer: bool
    visible: bool = True
    deleted: bool = False
    order_id: str | None = None  # a post-purchase thread: the checkout form it relates to

    def as_json(self) -> dict:
        return {"id": self.id, "status": "DELIVERED", "type": "MESSAGE_CENTER", "createdAt": iso(self.created_at),
                "thread": {"id": self.thread_id}, "author": {"login": self.login, "isInterlocutor": self.from_buyer},
                "text": self.text, "subject": None,
                "relatesTo": {"offer": None, "order": {"id": self.order_id} if self.order_id else None},
                "hasAdditionalAttachments": False, "attachments": []}


@dataclass
class FakeThread:
    id: str
    buyer: str
    last_message_at: datetime | None = None
    messages: list[FakeMessage] = field(default_factory=list)


@dataclass
class Posted:
    path: str
    text: str
    user: str
    at: float


class AllegroFake(FakeApp):
    def __init__(self, client_id: str = "bokai-client", client_secret: str = "bokai-secret") -> None:
        super().__init__()
        self.client = (client_id, client_secret)
        self.tokens = TokenAuthority()
        self.seller_id, self.seller_login = "44332211", "sklep_testowy"
        self.threads: dict[str, FakeThread] = {}
        self.issues: dict[str, dict] = {}
        self.devices: dict[str, dict] = {}
        self.posted: list[Posted] = []
        self.overlap_pages = False
        self._ids = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self.route("POST", "/auth/oauth/device", self._device)
        self.route("POST", "/auth/oauth/token", self._token)
        self.route("GET", "/me", self._api(self._me))
        self.route("GET", "/messaging/threads", self._api(self._threads))
        self.route("GET", r"/messaging/threads/(?P<thread>[^/]+)/messages", self._api(self._messages))
        self.route("POST", r"/messaging/threads/(?P<thread>[^/]+)/messages", self._api(self._post))
        self.route("GET", "/sale/issues", self._api(self._issues, BETA))
        self.route("GET", r"/sale/issues/(?P<issue>[^/]+)/chat", self._api(self._issue_chat, BETA))
        self.route("POST", r"/sale/issues/(?P<issue>[^/]+)/message", self._api(self._post_issue, BETA))

    # --- test controls -------------------------------------------------------------------
    def add_message(self, thread_id: str, text: str, created_at: datetime, *, buyer: str = "kupujacy_1",
                    from_buyer: bool = True, held: bool = False, order_id: str | None = None) -> str:
        """``held``: in Allegro's verification; invisible until ``release`` and then keeps its createdAt.
        ``order_id``: the message relates to that checkout form (``relatesTo.order.id``)."""
        thread = self.threads.setdefault(thread_id, FakeThread(thread_id, buyer))
        message = FakeMessage(f"msg-{next(self._ids)}", thread_id, text, created_at,
                              buyer if from_buyer else self.seller_login, from_buyer, visible=not held,
                              order_id=order_id)
        thread.messages.append(message)
        if not held:
            thread.last_message_at = max(filter(None, (thread.last_message_at, created_at)))
        return message.id

    def release(self, message_id: str) -> None:
        # lastMessageDateTime is NOT moved: Allegro surfaces the old message without touching the thread.
        self._message(message_id).visible = True

    def delete(self, message_id: str) -> None:
        self._message(message_id).deleted = True

    def add_issue_message(self, issue_id: str, text: str, created_at: datetime, *, role: str = "BUYER",
                          login: str = "kupujacy_2", checkout_form_id: str | None = None) -> str:
        issue = self.issues.setdefault(issue_id, {
            "id": issue_id, "subject": "Produkt uszkodzony", "buyer": {"id": "9", "login": login}, "chat": [],
            "checkoutForm": {"id": checkout_form_id, "createdAt": iso(created_at)} if checkout_form_id else None})
        entry = {"id": f"chat-{next(self._ids)}", "createdAt": iso(created_at), "text": text,
                 "author": {"login": login if role == "BUYER" else self.seller_login, "role": role}}
        issue["chat"].append(entry)
        return entry["id"]

    def connect_seller(self) -> dict:
        """A token pair as if the seller had completed the device flow."""
        return self.tokens.issue(self.seller_id)

    def approve_device(self, user_code: str, *, deny: bool = False) -> None:
        device = next(d for d in self.devices.values() if d["user_code"] == user_code)
        device["state"] = "denied" if deny else "approved"

    def visible_messages(self, thread_id: str) -> list[FakeMessage]:
        return [m for m in self.threads[thread_id].messages if m.visible and not m.deleted]

    def _message(self, message_id: str) -> FakeMessage:
        return next(m for t in self.threads.values() for m in t.messages if m.id == message_id)

    # --- API -------------------------------------------------------------------------------
    def _api(self, handler, accept: str = ACCEPT):
        def wrapped(request: FakeRequest) -> Reply:
            if request.headers.get("accept") != accept:
                return Reply(406, {"errors": [{"code": "NotAcceptableException",
                                               "message": f"Accept must be {accept}"}]})
            user = self.tokens.user_of(request.bearer())
            if user is None:
                return Reply(401, {"error": "invalid_token", "error_description": "Access token expired"})
            return handler(request, user)
        return wrapped

    def _me(self, request: FakeRequest, user: str) -> Reply:
        return Reply(200, {"id": user, "login": self.seller_login, "email": "sklep@example.pl"})

    def _page(self, items: list, request: FakeRequest, cap: int) -> list:
        limit = min(int(request.query.get("limit", cap)), cap)
        offset = int(request.query.get("offset", 0))
        # Misbehaviour: each later page starts one item early, as when a new item lands mid-walk.
        start = max(0, offset - 1) if self.overlap_pages and offset else offset
        return items[start:start + limit]

    def _threads(self, request: FakeRequest, user: str) -> Reply:
        threads = sorted((t for t in self.threads.values() if t.last_message_at),
                         key=lambda t: t.last_message_at, reverse=True)
        page = [{"id": t.id, "read": False, "lastMessageDateTime": iso(t.last_message_at),
                 "interlocutor": {"login": t.buyer, "avatarUrl": None}} for t in self._page(threads, request, 20)]
        return Reply(200, {"threads": page, "offset": int(request.query.get("offset", 0)),
                           "limit": int(request.query.get("limit", 20))})

    def _messages(self, request: FakeRequest, user: str) -> Reply:
        if request.params["thread"] not in self.threads:
            return Reply(404, {"errors": [{"code": "NotFoundException", "message": "Thread not found"}]})
        messages = sorted(self.visible_messages(request.params["thread"]), key=lambda m: m.created_at, reverse=True)
        if "after" in request.query:
            messages = [m for m in messages if m.created_at > parse_time(request.query["after"])]
        if "before" in request.query:
            messages = [m for m in messages if m.created_at < parse_time(request.query["before"])]
        return Reply(200, {"messages": [m.as_json() for m in self._page(messages, request, 20)],
                           "offset": int(request.query.get("offset", 0)), "limit": 20})

    def _posting_too_fast(self, user: str) -> bool:
        now = time.monotonic()
        if now - self._last_post.get(user, 0.0) < 1.0:
            return True
        self._last_post[user] = now
        return False

    def _post(self, request: FakeRequest, user: str) -> Reply:
        thread_id = request.params["thread"]
        if thread_id not in self.threads:
            return Reply(404, {"errors": [{"code": "NotFoundException", "message": "Thread not found",
                                           "userMessage": "Wątek nie istnieje"}]})
        if self._posting_too_fast(user):
            return Reply(429, TOO_MANY)
        text = (request.json() or {}).get("text", "")
        self.posted.append(Posted(request.path, text, user, time.monotonic()))
        message_id = self.add_message(thread_id, text, datetime.now(timezone.utc), from_buyer=False)
        return Reply(201, self._message(message_id).as_json())

    def _issues(self, request: FakeRequest, user: str) -> Reply:
        issues = [{"id": i["id"], "subject": i["subject"], "buyer": i["buyer"], "type": "DISPUTE",
                   "checkoutForm": i.get("checkoutForm"),
                   "status": "DISPUTE_ONGOING", "openedDate": i["chat"][0]["createdAt"] if i["chat"] else None,
                   "chat": {"lastMessage": {"createdAt": i["chat"][-1]["createdAt"]} if i["chat"] else None}}
                  for i in self.issues.values()]
        return Reply(200, {"issues": self._page(issues, request, 100), "count": len(issues), "totalCount": len(issues)})

    def _issue_chat(self, request: FakeRequest, user: str) -> Reply:
        issue = self.issues.get(request.params["issue"])
        return Reply(200, {"chat": issue["chat"]}) if issue else Reply(404, {"errors": [{"code": "NotFound"}]})

    def _post_issue(self, request: FakeRequest, user: str) -> Reply:
        if request.params["issue"] not in self.issues:
            return Reply(404, {"errors": [{"code": "NotFound", "message": "Issue not found"}]})
        if self._posting_too_fast(user):
            return Reply(429, TOO_MANY)
        text = (request.json() or {}).get("text", "")
        self.posted.append(Posted(request.path, text, user, time.monotonic()))
        entry_id = self.add_issue_message(request.params["issue"], text, datetime.now(timezone.utc), role="SELLER")
        return Reply(201, next(e for e in self.issues[request.params["issue"]]["chat"] if e["id"] == entry_id))

    # --- OAuth -----------------------------------------------------------------------------
    def _client_ok(self, request: FakeRequest) -> bool:
        return request.basic() == self.client

    def _device(self, request: FakeRequest) -> Reply:
        if not self._client_ok(request):
            return Reply(401, {"error": "invalid_client"})
        code, user_code = secrets.token_hex(12), secrets.token_hex(3).upper()
        self.devices[code] = {"user_code": user_code, "state": "pending", "interval": 5, "last_poll": 0.0}
        return Reply(200, {"device_code": code, "user_code": user_code, "expires_in": 3600, "interval": 5,
                           "verification_uri": "https://allegro.pl/skojarz-aplikacje",
                           "verification_uri_complete": f"https://allegro.pl/skojarz-aplikacje?code={user_code}"})

    def _token(self, request: FakeRequest) -> Reply:
        if not self._client_ok(request):
            return Reply(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        form = {**request.query, **request.form()}
        if form.get("grant_type") == "refresh_token":
            return self.tokens.rotate(form.get("refresh_token", ""))
        if form.get("grant_type") == DEVICE_GRANT:
            return self._device_token(form.get("device_code", ""))
        return Reply(400, {"error": "unsupported_grant_type"})

    def _device_token(self, code: str) -> Reply:
        device = self.devices.get(code)
        if device is None:
            return Reply(400, {"error": "invalid_grant", "error_description": "Unknown device code"})
        now = time.monotonic()
        too_fast = now - device["last_poll"] < device["interval"] - 0.5
        device["last_poll"] = now
        if device["state"] == "denied":
            return Reply(400, {"error": "access_denied"})
        if too_fast:
            device["interval"] += 5
            return Reply(400, {"error": "slow_down"})
        if device["state"] == "pending":
            return Reply(400, {"error": "authorization_pending"})
        del self.devices[code]
        return Reply(200, self.tokens.issue(self.seller_id))
