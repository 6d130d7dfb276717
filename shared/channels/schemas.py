"""Connections API bodies (camelCase at the HTTP edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from shared.infra.field_patterns import whole_value
from shared.infra.shown_text import HIDDEN, OneShownLine
from shared.ops.channel_health import ChannelHealth

# Shapes only, each without spaces or hidden characters (a line break would add a mail header); the
# service checks addresses and names as IDNA and stores their A-labels (shared/channels/hostnames.py).
_ADDRESS_PART = rf"[^@\s{HIDDEN}]+"
Email = Annotated[str, msgspec.Meta(
    pattern=whole_value(rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}",
                        "must be one e-mail address (obsluga@sklep.pl), without spaces or control characters"),
    max_length=254, examples=["obsluga@sklep.pl"])]
Host = Annotated[str, msgspec.Meta(
    pattern=whole_value(rf"[^\s/:@\\{HIDDEN}]+",
                        "must be a host name alone (smtp.sklep.pl): no scheme, port, path, spaces or control "
                        "characters"),
    min_length=1, max_length=253, examples=["smtp.sklep.pl"])]
# https; plain http is refused by the service unless private callbacks are allowed (the local stack only).
CallbackUrl = Annotated[str, msgspec.Meta(
    pattern=whole_value(rf"https?://[^\s{HIDDEN}]+",
                        "must be one https:// address without spaces or control characters"),
    max_length=500, examples=["https://sklep.pl/bokai"])]


class ConnectionTest(msgspec.Struct, kw_only=True, rename="camel"):
    """The outcome of "send a test message" (POST /accounts/{id}/test); what is tried depends on the kind."""
    ok: bool
    detail: str
    tested_at: datetime


class AccountView(msgspec.Struct, kw_only=True, rename="camel"):
    id: UUID
    platform: str
    external_account_id: str
    display_name: str | None
    # connected | paused | pending | disconnected | error (last_error says what the seller should do)
    status: str
    last_error: str | None
    last_synced_at: datetime | None
    created_at: datetime
    # Is it working for the seller right now, and if not why (shared.ops.channel_health).
    health: ChannelHealth | None = None
    # An e-mail channel that carries a marketplace's buyer mail: amazon | emag.
    marketplace: str | None = None
    last_test: ConnectionTest | None = None


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
    flow_id: Annotated[str, msgspec.Meta(
        pattern=whole_value(r"[A-Za-z0-9_-]{10,64}",
                            "must be the flowId the connection started with (10 to 64 letters, digits, _ or -)"),
        examples=["k3Jd9QwE2xLm"])]


class DevicePollResult(msgspec.Struct, kw_only=True, rename="camel"):
    # pending | connected | denied | expired
    status: str
    retry_after: int | None = None
    account: AccountView | None = None


class OlxConnectStarted(msgspec.Struct, kw_only=True, rename="camel"):
    authorize_url: str


class MailboxRequest(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    sender_address: Email
    smtp_host: Host
    smtp_user: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    smtp_password: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    # One line: it becomes the From header's display name.
    display_name: Annotated[OneShownLine, msgspec.Meta(max_length=255)] | None = None
    # Optional IMAP access to the same mailbox: an interrupted reply is looked up in its Sent folder
    # instead of ending as "delivery uncertain" (once the channel's test proved Sent files sent mail).
    imap_host: Host | None = None
    imap_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 993
    imap_security: Literal["tls", "starttls", "none"] = "tls"
    imap_user: Annotated[str, msgspec.Meta(min_length=1, max_length=254)] | None = None  # default: smtpUser
    imap_password: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None  # default: smtpPassword
    sent_folder: Annotated[OneShownLine, msgspec.Meta(min_length=1, max_length=200, examples=["Sent"])] | None = None


class EmailAccountRequest(MailboxRequest, kw_only=True, rename="camel", forbid_unknown_fields=True):
    pass


class GenericAccountRequest(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    name: Annotated[OneShownLine, msgspec.Meta(min_length=1, max_length=255)]
    callback_url: CallbackUrl
    # The receiver answers the signed GET probe (docs/channels.md "Delivery probe"): an interrupted
    # delivery is then looked up instead of ending as "delivery uncertain".
    delivery_probe: bool = False


class EmailAccountCreated(msgspec.Struct, kw_only=True, rename="camel"):
    account: AccountView
    # Shown once: the mail provider posts inbound mail with "Authorization: Bearer <inboundToken>".
    inbound_token: str


class GenericAccountCreated(msgspec.Struct, kw_only=True, rename="camel"):
    account: AccountView
    # Shown once: the seller's shop signs webhooks with it and verifies our reply callbacks.
    webhook_secret: str
    # Where the shop posts its customers' messages, signed with webhookSecret (the webhooks function).
    inbound_url: str = ""


AmazonStore = Literal["amazon.pl", "amazon.de", "amazon.fr", "amazon.it", "amazon.es", "amazon.nl", "amazon.se",
                      "amazon.com.be", "amazon.co.uk", "amazon.com", "amazon.com.tr"]


class AmazonAccountRequest(MailboxRequest, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """An Amazon shop as an e-mail channel: buyer mail forwarded to us, replies by SMTP from ``senderAddress``,
    which must be the shop's registered or an authorised address in Seller Central (Messaging Permissions)."""
    store: AmazonStore


class AmazonAccountCreated(msgspec.Struct, kw_only=True, rename="camel"):
    account: AccountView
    # Shown once: forward buyer mail to inboundUrl with "Authorization: Bearer <inboundToken>".
    inbound_token: str
    inbound_url: str
    # The buyer relay domain of the store: replies go only to <alias>@<relayDomain>.
    relay_domain: str
    setup_steps: list[str]


class EmagAccountRequest(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    country: Literal["ro", "bg", "hu"]
    # The eMAG Marketplace API user (Basic auth); checked against eMAG before anything is saved.
    api_username: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    api_password: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    # The e-mail channel where this shop's buyer mail arrives (eMAG has no messaging API).
    email_account_id: UUID | None = None
    display_name: Annotated[OneShownLine, msgspec.Meta(max_length=255)] | None = None


class EmagAccountCreated(msgspec.Struct, kw_only=True, rename="camel"):
    account: AccountView
    # Shown once (it holds the callback token): paste it as the order callback URL in eMAG Marketplace.
    callback_url: str
    setup_steps: list[str]
