"""The one tenant mechanism: every store is reached through a handle bound to one tenant.

- Postgres: ``tenant_tx(tenant_id)`` opens a transaction and sets ``app.tenant_id`` for RLS.
- Weaviate: ``TenantVectors`` (one Weaviate tenant per seller).
- MinIO/S3: ``TenantObjects`` (keys under ``tenants/<tenant_id>/``).
- Redis: ``TenantKeys`` (keys under ``t:<tenant_id>:``).
- LLM prefix cache: ``llm_cache_salt(tenant_id)`` (a per-tenant salt).

Code outside this package never builds another tenant's key, prefix or setting.
"""

from shared.tenancy.ids import TenantId, parse_tenant_id

__all__ = ["TenantId", "parse_tenant_id"]
