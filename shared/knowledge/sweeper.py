"""Deletes document objects that no document row points to, once they are older than a grace period.

    python -m shared.knowledge.sweeper [--grace-hours 24] [--dry-run]

Uploads write the object before the row (the row must never point to a missing object), so a crash
or a database failure between the two leaves an object behind; so does a presigned upload whose
row was deleted. The grace period keeps objects whose row is still being written. Keys are
``tenants/<tenant>/documents/<document id>/<name>`` and ``.../uploads/<document id>/<name>``; an
object is kept when its tenant has a ``knowledge_documents`` row with that id. Run it from cron
(daily is plenty); it prints one line per tenant that had orphans.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from shared.infra.postgres import close_pool, open_pool
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.db import tenant_tx, tx_connection
from shared.tenancy.objects import StoredObject

DOCUMENT_PREFIXES = ("documents", "uploads")
DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class SweepReport:
    tenants: int = 0
    deleted: list[str] = field(default_factory=list)  # tenant-relative names


def _document_id(name: str) -> UUID | None:
    parts = name.split("/")
    try:
        return UUID(parts[1]) if len(parts) >= 3 else None
    except ValueError:
        return None


async def _tenants_with_objects(stores: KnowledgeStores) -> list[UUID]:
    def collect() -> list[UUID]:
        found = []
        for item in stores.minio.list_objects(stores.bucket, prefix="tenants/", recursive=False):
            try:
                found.append(UUID(item.object_name.removeprefix("tenants/").strip("/")))
            except ValueError:
                continue
        return found

    return await asyncio.to_thread(collect)


async def _known_ids(tenant_id: UUID, ids: list[UUID]) -> set[UUID]:
    async with tenant_tx(tenant_id):
        rows = await tx_connection().fetch("SELECT id FROM knowledge_documents WHERE id = ANY($1::uuid[])", ids)
    return {r["id"] for r in rows}


async def sweep_tenant(stores: KnowledgeStores, tenant_id: UUID, *, grace: timedelta = DEFAULT_GRACE,
                       dry_run: bool = False) -> list[str]:
    """Names of the tenant's orphaned document objects older than ``grace`` (deleted unless dry run)."""
    objects = stores.objects(tenant_id)
    candidates: list[tuple[StoredObject, UUID | None]] = []
    for prefix in DOCUMENT_PREFIXES:
        candidates += [(o, _document_id(o.name)) for o in await objects.list(prefix)]
    cutoff = datetime.now(UTC) - grace
    old = [(o, i) for o, i in candidates if o.last_modified is not None and o.last_modified < cutoff]
    known = await _known_ids(tenant_id, [i for _, i in old if i is not None]) if old else set()
    orphans = [o.name for o, i in old if i is None or i not in known]
    if not dry_run:
        for name in orphans:
            await objects.delete(name)
    return orphans


async def sweep(stores: KnowledgeStores, *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False) -> SweepReport:
    report = SweepReport()
    for tenant_id in await _tenants_with_objects(stores):
        report.tenants += 1
        orphans = await sweep_tenant(stores, tenant_id, grace=grace, dry_run=dry_run)
        report.deleted += [f"{tenant_id}/{name}" for name in orphans]
        if orphans:
            print(f"tenant {tenant_id}: {len(orphans)} orphaned object(s) {'found' if dry_run else 'deleted'}")
    return report


async def _main(grace: timedelta, dry_run: bool) -> int:
    await open_pool()
    stores = await KnowledgeStores.open()
    try:
        report = await sweep(stores, grace=grace, dry_run=dry_run)
    finally:
        await stores.close()
        await close_pool()
    print(f"{report.tenants} tenant(s) checked, {len(report.deleted)} orphaned object(s)"
          f"{' (dry run: nothing deleted)' if dry_run else ' deleted'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grace-hours", type=float, default=DEFAULT_GRACE.total_seconds() / 3600)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    return asyncio.run(_main(timedelta(hours=args.grace_hours), args.dry_run))


if __name__ == "__main__":
    sys.exit(main())
