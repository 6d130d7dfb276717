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
