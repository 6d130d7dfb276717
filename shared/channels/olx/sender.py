"""Replies to OLX: a message posted in the buyer's thread."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shared.channels.connection import load_for_delivery
from shared.channels.errors import PlatformError, as_delivery_errors
from shared.channels.olx import oauth
from shared.channels.olx.client import OlxClient
from shared.channels.senders import (DeliveryReceipt, DeliveryUnknown, OutboundReply, PermanentDeliveryError)
from shared.channels.session import AuthorizedSession

CLOCK_SKEW = timedelta(minutes=2)


async def _session(reply: OutboundReply) -> AuthorizedSession:
    connection = await load_for_delivery(reply.tenant_id, reply.channel_account_id, "olx", "OLX")
    return AuthorizedSession(connection, oauth.refresh, "OLX")


class OlxSender:
    platform = "olx"

    async def send(self, reply: OutboundReply) -> DeliveryReceipt:
        session = await _session(reply)
        with as_delivery_errors("OLX"):
            async with OlxClient() as client:
                await session.call(lambda token: client.post_message(token, reply.platform_conversation_id, reply.text))
        # OLX answers without the new message's id; reconciliation finds it by text when needed.
        return DeliveryReceipt(platform_message_id=None, delivered_at=datetime.now(timezone.utc))

    async def find_delivered(self, reply: OutboundReply) -> DeliveryReceipt | None:
        since = reply.claimed_at - CLOCK_SKEW
        try:
            session = await _session(reply)
            async with OlxClient() as client:
                messages = await session.call(lambda token: client.messages(token, reply.platform_conversation_id))
        except (PlatformError, PermanentDeliveryError) as error:
            raise DeliveryUnknown(f"OLX could not be asked whether the reply arrived: {error}") from None
        ours = " ".join(reply.text.split())
        for message in messages:
            if message.type == "sent" and message.created_at >= since and " ".join(message.text.split()) == ours:
                return DeliveryReceipt(platform_message_id=str(message.id), delivered_at=message.created_at)
        return None

