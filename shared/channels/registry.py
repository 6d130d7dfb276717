"""Every channel that sends replies, in one explicit list: the delivery code looks senders up here.

Imported by the reply delivery (shared/conversations/delivery.py) and, through it, by the worker.
A new channel's sender is added to ``SENDERS`` below (docs/architecture.md, "Adding a channel");
nothing registers itself by being imported.
"""

from __future__ import annotations

from types import MappingProxyType

from shared.channels import amazon
from shared.channels.allegro.sender import AllegroSender
from shared.channels.email.sender import SmtpSender
from shared.channels.generic.sender import GenericSender
from shared.channels.olx.sender import OlxSender
from shared.channels.senders import ChannelSender, PermanentDeliveryError

_SMTP = SmtpSender()

# conversation platform -> the sender that answers its conversations
SENDERS: MappingProxyType[str, ChannelSender] = MappingProxyType({
    "generic": GenericSender(),
    "allegro": AllegroSender(),
    "olx": OlxSender(),
    "email": _SMTP,
    # Amazon buyer conversations arrive by e-mail and are answered by SMTP to the buyer's relay alias;
    # eMAG buyer mail arrives on an e-mail channel bound to eMAG (it has no messaging API) and is
    # answered the same way, from the seller's address in the buyer's thread.
    amazon.PLATFORM: _SMTP,
    "emag": _SMTP,
})


def sender_for(platform: str) -> ChannelSender:
    try:
        return SENDERS[platform]
    except KeyError:
        raise PermanentDeliveryError(f"replies to {platform} conversations cannot be sent yet") from None
