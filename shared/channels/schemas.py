"""Connections API bodies (camelCase at the HTTP edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from shared.ops.channel_health import ChannelHealth

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Host = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9.-]+$", min_length=1, max_length=253)]
HttpsUrl = Annotated[str, msgspec.Meta(pattern=r"^https://[^\s]+$", max_length=500)]


class AccountView(msgspec.Struct, kw_only=True, rename="camel"):
    id: UUID
    platform: str
    external_account_id: str
    display_name: str | None
    # connected | pending | disconnected | error (last_error says what the seller should do)
    status: str
    last_error: str | None
    last_synced_at: datetime | None
    created_at: datetime
    # Is it working for the seller right now, and if not why (shared.ops.channel_health).
    health: ChannelHealth | None = None


class AccountList(msgspec.Struct, kw_only=True, rename="camel"):
    items: list[AccountView]


class DeviceFlowStarted(msgspec.Struct, kw_only=True, rename="camel"):
    flow_id: str
    user_code: str
    verification_url: str
    verification_url_complete: str | None
    interval: int
    expires_in: int


class DevicePollRequest(msgspec.Struct, kw_only=True, rename="camel"):
    flow_id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{10,64}$")]


class DevicePollResult(msgspec.Struct, kw_only=True, rename="camel"):
    # pending | connected | denied | expired
    status: str
    retry_after: int | None = None
    account: AccountView | None = None


class OlxConnectStarted(msgspec.Struct, kw_only=True, rename="camel"):
    authorize_url: str


class EmailAccountRequest(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    sender_address: Email
    smtp_host: Host
    smtp_user: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    smtp_password: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    display_name: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class GenericAccountRequest(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    callback_url: HttpsUrl


class EmailAccountCreated(msgspec.Struct, kw_only=True, rename="camel"):
    account: AccountView
    # Shown once: the mail provider posts inbound mail with "Authorization: Bearer <inboundToken>".
    inbound_token: str


class GenericAccountCreated(msgspec.Struct, kw_only=True, rename="camel"):
    account: AccountView
    # Shown once: the seller's shop signs webhooks with it and verifies our reply callbacks.
    webhook_secret: str
