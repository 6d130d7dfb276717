"""Amazon buyer messages: they arrive as e-mail from Amazon's per-buyer relay aliases.

Amazon has no API that reads or answers buyer messages (see ../shared/reference/marketplaces.md):
Buyer-Seller Messaging gives every buyer an anonymised alias per seller —
`<random>@marketplace.amazon.<store domain>` — and relays mail both ways. A mail from (or asking for
replies to) such an alias is an Amazon conversation: it is recorded with platform `amazon`, so the
policy guard applies Amazon's rules (no links off Amazon, no e-mail addresses, no off-Amazon contact,
no marketing) before anything is sent, and the reply still leaves by SMTP from the seller's
authorised address to the alias.
"""

from __future__ import annotations

import re

PLATFORM = "amazon"
# The relay domain of every Amazon store: marketplace.amazon.pl, .de, .com, .co.uk, .com.be, .com.tr ...
_RELAY = re.compile(r"@marketplace\.amazon\.(?:[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})$", re.IGNORECASE)


def is_relay_address(address: str | None) -> bool:
    return bool(address) and _RELAY.search(address.strip().rstrip(">")) is not None


def is_amazon_buyer_mail(from_address: str | None, reply_to: str | None) -> bool:
    """Auto-forwarding keeps the buyer's alias in From; providers that rewrite From keep it in Reply-To."""
    return is_relay_address(from_address) or is_relay_address(reply_to)


# Amazon order ids: 3-7-7 digits ("Order ID: 302-1234567-1234567"); Amazon writes the id into the
# relay mail's subject ("... (Order: 302-...)") and its header lines.
_ORDER_ID = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")


def order_id_of(subject: str | None, text: str | None) -> str | None:
    """The order a relay mail is about: the subject's id first (Amazon writes it), else the first in the text."""
    for part in (subject, text):
        found = _ORDER_ID.search(part or "")
        if found:
            return found.group(1)
    return None
