"""OLX.pl Partner API contract fake: threads, messages, posting, users/me, authorization-code OAuth.

From developer.olx.pl: base ``/api/partner``, header ``Version: 2.0`` required, responses wrapped in
``{"data": ...}``, errors as ``{"error": {"status", "title", "detail"}}``, token endpoint
``/api/open/oauth/token`` (client id/secret in the form body), refresh tokens that rotate.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tests.fakes.base import FakeApp, FakeRequest, Reply
from tests.fakes.oauth import TokenAuthority

PREFIX = "/api/partner"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def error(status: int, title: str, detail: str) -> Reply:
    return Reply(status, {"error": {"status": status, "title": title, "detail": detail}})


@dataclass
class OlxThread:
    id: int
    advert_id: int
    interlocutor_id: int
    messages: list[dict] = field(default_factory=list)


class OlxFake(FakeApp):
    def __init__(self, client_id: str = "olx-client", client_secret: str = "olx-secret") -> None:
        super().__init__()
        self.client = (client_id, client_secret)
        self.tokens = TokenAuthority(access_ttl=86400)
        self.user_id = 778899
        self.threads: dict[int, OlxThread] = {}
        self.codes: dict[str, str] = {}  # authorization code -> redirect_uri
        self.posted: list[tuple[int, str, float]] = []
        self._ids = itertools.count(1000)
        self.route("POST", "/api/open/oauth/token", self._token)
        self.route("GET", f"{PREFIX}/users/me", self._api(self._me))
        # Another user's public profile: {"data": {"id", "name", "avatar"}} (OLX API reference, "Users").
        self.route("GET", rf"{PREFIX}/users/(?P<user>\d+)", self._api(self._user))
        self.buyers: dict[int, str] = {}
        self.route("GET", f"{PREFIX}/threads", self._api(self._threads))
        self.route("GET", rf"{PREFIX}/threads/(?P<thread>\d+)/messages", self._api(self._messages))
        self.route("POST", rf"{PREFIX}/threads/(?P<thread>\d+)/messages", self._api(self._post))

    # --- test controls -------------------------------------------------------------------
    def add_message(self, thread_id: int, text: str, created_at: datetime, *, received: bool = True,
                    buyer: str | None = None) -> str:
        thread = self.threads.setdefault(thread_id, OlxThread(thread_id, 5550000 + thread_id, 3330000 + thread_id))
        if buyer:
            self.buyers[thread.interlocutor_id] = buyer
        message = {"id": next(self._ids), "thread_id": thread_id, "created_at": iso(created_at),
                   "type": "received" if received else "sent", "text": text, "attachments": [], "is_read": False}
        thread.messages.append(message)
        return str(message["id"])

    def user_approves(self, redirect_uri: str) -> str:
        """The seller logs in on OLX and approves: OLX redirects back with this code."""
        code = secrets.token_hex(10)
        self.codes[code] = redirect_uri
        return code

    def connect_seller(self) -> dict:
        return self.tokens.issue(str(self.user_id))

    # --- API -------------------------------------------------------------------------------
    def _api(self, handler):
        def wrapped(request: FakeRequest) -> Reply:
            if request.headers.get("version") != "2.0":
                return error(400, "Invalid version", "Header Version: 2.0 is required")
            user = self.tokens.user_of(request.bearer())
            if user is None:
                return error(401, "Unauthorized", "The access token provided is invalid")
            return handler(request, user)
        return wrapped

    def _me(self, request: FakeRequest, user: str) -> Reply:
        return Reply(200, {"data": {"id": int(user), "email": "sprzedawca@example.pl", "name": "Sklep OLX"}})

    def _user(self, request: FakeRequest, user: str) -> Reply:
        name = self.buyers.get(int(request.params["user"]))
        if name is None:
            return error(404, "Not found", "User not found")
        return Reply(200, {"data": {"id": int(request.params["user"]), "name": name, "avatar": None}})

    def _threads(self, request: FakeRequest, user: str) -> Reply:
        offset, limit = int(request.query.get("offset", 0)), int(request.query.get("limit", 10))
        threads = sorted(self.threads.values(), key=lambda t: t.id, reverse=True)[offset:offset + limit]
        return Reply(200, {"data": [{"id": t.id, "advert_id": t.advert_id, "interlocutor_id": t.interlocutor_id,
                                     "total_count": len(t.messages),
                                     "unread_count": sum(not m["is_read"] for m in t.messages),
                                     "created_at": t.messages[0]["created_at"] if t.messages else None,
                                     "is_favourite": False} for t in threads]})

    def _messages(self, request: FakeRequest, user: str) -> Reply:
        thread = self.threads.get(int(request.params["thread"]))
        if thread is None:
            return error(404, "Not found", "Thread not found")
        return Reply(200, {"data": thread.messages})

    def _post(self, request: FakeRequest, user: str) -> Reply:
        thread_id = int(request.params["thread"])
        if thread_id not in self.threads:
            return error(404, "Not found", "Thread not found")
        text = (request.json() or {}).get("text", "")
        self.posted.append((thread_id, text, time.monotonic()))
        self.add_message(thread_id, text, datetime.now(timezone.utc), received=False)
        return Reply(204)

    # --- OAuth -----------------------------------------------------------------------------
    def _token(self, request: FakeRequest) -> Reply:
        form = request.form()
        if (form.get("client_id"), form.get("client_secret")) != self.client:
            return Reply(401, {"error": "invalid_client", "error_description": "The client credentials are invalid"})
        if form.get("grant_type") == "authorization_code":
            redirect = self.codes.pop(form.get("code", ""), None)
            if redirect is None or redirect != form.get("redirect_uri"):
                return Reply(400, {"error": "invalid_grant", "error_description": "Authorization code is invalid"})
            return Reply(200, self.tokens.issue(str(self.user_id)))
        if form.get("grant_type") == "refresh_token":
            return self.tokens.rotate(form.get("refresh_token", ""))
        return Reply(400, {"error": "unsupported_grant_type"})
