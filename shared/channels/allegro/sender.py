"""Replies to Allegro: a message in the buyer's thread (or the purchase-issue chat), 1 post/s per user."""

from __future__ import annotations

from datetime import timedelta

from shared.channels.allegro import oauth
from shared.channels.allegro.client import MESSAGES_PAGE, AllegroClient
from shared.channels.connection import load_for_delivery
from shared.channels.errors import PlatformError, as_delivery_errors
from shared.channels.ratelimit import SlotUnavailable, take_post_slot
from shared.channels.senders import (DeliveryReceipt, DeliveryUnknown, OutboundReply, PermanentDeliveryError,
                                     TransientDeliveryError)
from shared.channels.session import AuthorizedSession

ISSUE_PREFIX = "issue:"
# Clocks differ: look a little before the claim time for our own message.
CLOCK_SKEW = timedelta(minutes=2)
# Allegro allows 1 post/s per user. The slot is taken before the request, and request latency
# varies, so two posts 1.000 s apart on our side can arrive closer than that: keep a margin.
POST_INTERVAL_MS = 1200


async def _session(reply: OutboundReply) -> AuthorizedSession:
    connection = await load_for_delivery(reply.tenant_id, reply.channel_account_id, "allegro", "Allegro")
    return AuthorizedSession(connection, oauth.refresh, "Allegro")


def _same_text(ours: str, theirs: str) -> bool:
    return " ".join(ours.split()) == " ".join(theirs.split())


class AllegroSender:
    platform = "allegro"

    async def send(self, reply: OutboundReply) -> DeliveryReceipt:
        session = await _session(reply)
        ref = reply.platform_conversation_id
        try:
            with as_delivery_errors("Allegro"):
                await take_post_slot(reply.tenant_id, session.connection.account_id, "allegro",
                                     interval_ms=POST_INTERVAL_MS)
                async with AllegroClient() as client:
                    if ref.startswith(ISSUE_PREFIX):
                        posted = await session.call(
                            lambda token: client.post_issue_message(token, ref[len(ISSUE_PREFIX):], reply.text))
                    else:
                        posted = await session.call(lambda token: client.post_message(token, ref, reply.text))
        except SlotUnavailable as busy:
            raise TransientDeliveryError("Allegro allows one message per second per account", busy.retry_after) from None
        return DeliveryReceipt(platform_message_id=posted.id, delivered_at=posted.createdAt)

    async def find_delivered(self, reply: OutboundReply) -> DeliveryReceipt | None:
        ref = reply.platform_conversation_id
        since = reply.claimed_at - CLOCK_SKEW
        try:
            session = await _session(reply)
            async with AllegroClient() as client:
                if ref.startswith(ISSUE_PREFIX):
                    chat = await session.call(lambda token: client.issue_chat(token, ref[len(ISSUE_PREFIX):]))
                    for entry in chat:
                        if entry.author.role == "SELLER" and entry.createdAt >= since and _same_text(reply.text, entry.text):
                            return DeliveryReceipt(platform_message_id=entry.id, delivered_at=entry.createdAt)
                    return None
                for page in range(5):
                    messages = await session.call(lambda token: client.messages(
                        token, ref, offset=page * MESSAGES_PAGE, after=since))
                    for message in messages:
                        if not message.author.isInterlocutor and _same_text(reply.text, message.text):
                            return DeliveryReceipt(platform_message_id=message.id, delivered_at=message.createdAt)
                    if len(messages) < MESSAGES_PAGE:
                        return None
        except (PlatformError, PermanentDeliveryError) as error:
            raise DeliveryUnknown(f"Allegro could not be asked whether the reply arrived: {error}") from None
        # More of our own messages than we page through: do not guess.
        raise DeliveryUnknown("too many recent messages in the Allegro thread to tell")

