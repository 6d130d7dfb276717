"""E-mail channels bound to a marketplace: Amazon and eMAG buyer messages arrive as e-mail.

An e-mail channel's ``settings.marketplace`` names the marketplace its mail belongs to (``amazon``,
``emag``) and ``settings.marketplaceAccountId`` the eMAG channel whose orders enrich it. Inbound
processing reads the binding to record such mail as a marketplace conversation, so that
marketplace's reply rules (policy guard, languages) apply to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from shared.tenancy.db import tx_connection

MARKETPLACE_KEY = "marketplace"
MARKETPLACE_ACCOUNT_KEY = "marketplaceAccountId"


@dataclass(frozen=True, slots=True)
class Binding:
    marketplace: str | None
    marketplace_account_id: UUID | None
    # The mailbox's own sender address: mail from it is our own coming back, not a customer's.
    own_address: str | None = None


def binding_of(settings: dict | str | None) -> Binding:
    settings = json.loads(settings) if isinstance(settings, str) else settings or {}
    account = settings.get(MARKETPLACE_ACCOUNT_KEY)
    try:
        account_id = UUID(account) if account else None
    except ValueError:
        account_id = None
    return Binding(settings.get(MARKETPLACE_KEY), account_id, settings.get("fromAddress"))


async def email_binding(email_account_id: UUID | None) -> Binding:
    """Inside the caller's tenant transaction; an unknown account is simply unbound."""
    if email_account_id is None:
        return Binding(None, None)
    settings = await tx_connection().fetchval(
        "SELECT settings FROM channel_accounts WHERE id = $1 AND platform = 'email'", email_account_id)
    return binding_of(settings)
