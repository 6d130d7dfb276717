"""Per-tenant salt for the LLM server's prefix cache, so one seller's prompts never warm another's."""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from shared.tenancy.ids import parse_tenant_id


def llm_cache_salt(tenant_id: UUID | str, secret: str) -> str:
    # Keyed, so a salt cannot be derived from a (guessable) tenant id alone.
    tenant = str(parse_tenant_id(tenant_id)).encode()
    return hmac.new(secret.encode(), tenant, hashlib.sha256).hexdigest()
