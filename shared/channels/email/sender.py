"""SMTP replies from the seller's authorised address, in the customer's email thread.

Channel account (platform "email"): ``settings`` holds ``fromAddress``, ``fromName``, ``smtpHost``,
``smtpPort``, ``smtpSecurity`` (starttls | tls | none) and ``smtpUsername``; the password is
``smtpPassword`` in the encrypted credentials. The Message-ID is derived from the reply's idempotency
key, so a retried send carries the same id and the receiving side can tell the copies apart.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from typing import ClassVar
from email.utils import formataddr, format_datetime
from uuid import UUID

import aiosmtplib

from shared.channels import amazon
from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.channels.destinations import Destination, vet
from shared.channels.email import EMAIL_META_KEY, sent_folder
from shared.channels.errors import PAUSED_MESSAGE
from shared.channels.hostnames import InvalidHost, ascii_address
from shared.channels.pinned import open_socket
from shared.channels.senders import (
    DeliveryReceipt, DeliveryUnknown, OutboundReply, PermanentDeliveryError, TransientDeliveryError,
)
from shared.channels.tables import ChannelAccount
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx, tx_connection

SMTP_TIMEOUT_SECONDS = 30
# Submission (587), SMTPS (465), relay (25) and the common alternative submission port.
SMTP_PORTS = frozenset({25, 465, 587, 2525})


class EmailChannelSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EMAIL_CHANNEL_"
    # Off in production: a seller's SMTP host must not reach our own network (SSRF) or odd ports;
    # on for local runs and tests, whose SMTP fakes listen on loopback at random ports.
    allow_private_smtp_hosts: bool = False


async def check_smtp_destination(host: str | None, port: int, settings: EmailChannelSettings) -> Destination:
    """Where SMTP may connect (the addresses vetted now); refuses (permanently) a host or port a seller
    must not make us connect to."""
    if not host:
        raise PermanentDeliveryError("The email channel has no SMTP host; add it in the channel settings.")
    if port not in SMTP_PORTS and not settings.allow_private_smtp_hosts:
        raise PermanentDeliveryError(f"SMTP port {port} is not allowed; use 587, 465, 25 or 2525.")
    return await vet(host, port, "The SMTP host of your email channel points to a private network address; use "
                                 "your mail provider's public host name.",
                     allow_private=settings.allow_private_smtp_hosts)


def _sender_address(settings: dict) -> str:
    """The channel's address as SMTP can carry it (channels stored before creation checked it may not be)."""
    try:
        return ascii_address(settings["fromAddress"])
    except InvalidHost as invalid:
        raise PermanentDeliveryError(f"{invalid} Change the sender address of this email channel.") from None


def reply_message_id(idempotency_key: str, from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "bokai.invalid"
    return f"<reply.{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


def reply_subject(subject: str | None) -> str:
    subject = (subject or "").strip()
    return subject if subject.lower().startswith(("re:", "odp:")) else f"Re: {subject}".strip()


def _recipient(reply: OutboundReply, thread: dict) -> str | None:
    if reply.platform == amazon.PLATFORM:
        # Amazon buyers are answered only through their relay alias: a real address found in a header
        # must never receive the reply (Amazon forbids off-platform contact, and it is the buyer's privacy).
        return next((a for a in (thread.get("replyTo"), thread.get("from")) if amazon.is_relay_address(a)), None)
    return thread.get("replyTo") or thread.get("from")


def _one_line(text: str) -> str:
    # A header value with CR or LF is refused by the email package (a 500 at send time, before the API
    # refused such names) and would be header injection otherwise: any whitespace run becomes one space.
    return " ".join(text.split())


def _message(settings: dict, recipient: str, subject: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((_one_line(settings.get("fromName") or ""), _sender_address(settings)))
    message["To"] = recipient
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = message_id
    return message


def build_reply(reply: OutboundReply, settings: dict, *, automatic: bool = True) -> EmailMessage:
    """``automatic``: no person wrote or approved it (autopilot), so it is marked as an automatic response."""
    thread = reply.in_reply_to_meta.get(EMAIL_META_KEY) or {}
    recipient = _recipient(reply, thread)
    if not recipient:
        raise PermanentDeliveryError("The customer's email address is unknown, so the reply cannot be sent.")
    from_address = settings.get("fromAddress")
    if not from_address:
        raise PermanentDeliveryError("Set the sender address of this email channel, then retry the reply.")
    message = _message(settings, recipient, reply_subject(reply.subject or thread.get("subject")),
                       reply_message_id(reply.idempotency_key, from_address))
    parent = thread.get("messageId") or reply.in_reply_to_platform_message_id
    if parent:
        message["In-Reply-To"] = parent
        message["References"] = " ".join([*(thread.get("references") or [])[-20:], parent])
    if automatic:
        # RFC 3834 §5: the customer's auto-responder must not answer it, so two robots cannot loop
        # (Exchange reads its own header). Not on a person's reply: some help desks hold such mail back.
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    message.set_content(reply.text)
    return message


_BY_AUTOPILOT = """
SELECT sender_type = 'bot' AND NOT (meta ? 'approvedByUserId' OR meta ? 'editedByUserId') FROM messages WHERE id = $1
"""


async def _sent_by_autopilot(tenant_id: UUID, message_id: UUID) -> bool:
    """Whether no person wrote, edited or approved this reply; an unknown row counts as automatic,
    the side on which no mail loop can start."""
    async with tenant_tx(tenant_id):
        by_autopilot = await tx_connection().fetchval(_BY_AUTOPILOT, message_id)
    return by_autopilot is not False


async def account_of(tenant_id: UUID, account_id: UUID | None) -> tuple[dict, dict]:
    """(settings, decrypted credentials) of a usable e-mail channel; PermanentDeliveryError otherwise."""
    async with tenant_tx(tenant_id):
        row = await ChannelAccount.select(ChannelAccount.settings, ChannelAccount.credentials_encrypted,
                                          ChannelAccount.status).where(
            (ChannelAccount.id == account_id) & (ChannelAccount.platform == "email")).first()
    if row is None or row["status"] == "disconnected":
        raise PermanentDeliveryError("The email channel of this conversation was removed; reconnect it.")
    if row["status"] == "paused":
        raise PermanentDeliveryError(PAUSED_MESSAGE)
    try:
        credentials = CredentialCipher().decrypt(tenant_id, account_id,
                                                 row["credentials_encrypted"]) if row["credentials_encrypted"] else {}
    except CredentialsError:
        raise PermanentDeliveryError("The SMTP password of this email channel cannot be read; enter it again.") from None
    settings = row["settings"]
    # Piccolo hands JSONB back as text from select().
    return (json.loads(settings) if isinstance(settings, str) else settings or {}), credentials


async def submit(message: EmailMessage, settings: dict, credentials: dict) -> None:
    """Hand ``message`` to the channel's SMTP server; failures in the delivery contract's terms."""
    security = settings.get("smtpSecurity", "starttls")
    destination = await check_smtp_destination(settings.get("smtpHost"), int(settings.get("smtpPort") or 587),
                                               load(EmailChannelSettings))
    try:
        # Connected to the vetted address; the host name is what TLS verifies (direct TLS and STARTTLS).
        sock = await open_socket(destination, SMTP_TIMEOUT_SECONDS)
        await aiosmtplib.send(
            message, sock=sock, hostname=destination.host, port=None,
            username=settings.get("smtpUsername") or None, password=credentials.get("smtpPassword") or None,
            use_tls=security == "tls", start_tls=True if security == "starttls" else False,
            timeout=SMTP_TIMEOUT_SECONDS)
    except aiosmtplib.SMTPAuthenticationError:
        raise PermanentDeliveryError("The SMTP server refused the login; check the channel's username and "
                                     "password.") from None
    except aiosmtplib.SMTPRecipientsRefused:
        raise PermanentDeliveryError("The SMTP server refused the customer's address.") from None
    except aiosmtplib.SMTPResponseException as refused:
        if 400 <= refused.code < 500:
            raise TransientDeliveryError(f"SMTP temporary failure {refused.code}") from None
        raise PermanentDeliveryError(f"The SMTP server refused the reply ({refused.code}).") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as problem:
        raise TransientDeliveryError(f"SMTP unreachable: {type(problem).__name__}") from None


class SmtpSender:
    platform = "email"

    async def send(self, reply: OutboundReply) -> DeliveryReceipt:
        settings, credentials = await account_of(reply.tenant_id, reply.channel_account_id)
        message = build_reply(reply, settings, automatic=await _sent_by_autopilot(reply.tenant_id, reply.message_id))
        await submit(message, settings, credentials)
        return DeliveryReceipt(platform_message_id=message["Message-ID"], delivered_at=datetime.now(timezone.utc))

    async def find_delivered(self, reply: OutboundReply) -> DeliveryReceipt | None:
        """SMTP cannot be asked whether it accepted a message earlier; the mailbox's Sent folder can,
        where the provider files submitted mail there (proved by the channel's test, see sent_folder)."""
        settings, credentials = await account_of(reply.tenant_id, reply.channel_account_id)
        if not (settings.get("imapHost") and settings.get(sent_folder.VERIFIED_KEY)):
            raise DeliveryUnknown("SMTP cannot be asked whether an interrupted send was delivered, and this "
                                  "mailbox's Sent folder is not known to file sent mail")
        message_id = reply_message_id(reply.idempotency_key, settings.get("fromAddress") or "")
        try:
            found = await sent_folder.in_sent_folder(
                settings, credentials, message_id, allow_private=load(EmailChannelSettings).allow_private_smtp_hosts)
        except sent_folder.SentFolderError as unknown:
            # Still unknown: stay "sending" and ask again on the next retry (never send blindly).
            raise TransientDeliveryError(f"Sent folder not readable: {unknown}") from None
        except PermanentDeliveryError as refused:
            # The IMAP host may not be asked (a private address): the reply may or may not have gone.
            raise DeliveryUnknown(f"the Sent folder cannot be asked: {refused}") from None
        if not found:
            return None
        return DeliveryReceipt(platform_message_id=message_id, delivered_at=datetime.now(timezone.utc))


def self_test_message(settings: dict) -> EmailMessage:
    """The channels API's "send a test message": from the sender address to itself, nobody else."""
    if not settings.get("fromAddress"):
        raise PermanentDeliveryError("Set the sender address of this email channel first.")
    address = _sender_address(settings)
    message = _message(settings, address, "BOK-AI: wiadomość testowa / test message",
                       reply_message_id(f"test-{uuid.uuid4()}", address))
    # Generated, not written: if the mailbox forwards it back to us it is recorded, never answered.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("BOK-AI sent this message to check that replies can leave through this mailbox.\n"
                        "BOK-AI wysłał tę wiadomość, aby sprawdzić, że odpowiedzi mogą wychodzić z tej skrzynki.\n")
    return message

