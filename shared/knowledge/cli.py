"""Operator CLI: onboard a seller by ingesting a folder of documents, with progress bars.

    python -m shared.knowledge.cli ingest --tenant <tenant uuid> path/to/folder [--dry-run]

Runs the same ingestion as the worker, in-process, against the configured stores (source
`.state/env` locally). Exit code 1 if any document failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from uuid import UUID

from tqdm import tqdm

from shared.accounts.tables import Tenant
from shared.infra.postgres import close_pool, open_pool
from shared.knowledge import service
from shared.knowledge.ingestion import ingest_document
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.db import tenant_tx


def document_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


async def ingest_folder(tenant_id: UUID, folder: Path, *, dry_run: bool = False) -> int:
    files = document_files(folder)
    if not files:
        print(f"no files in {folder}", file=sys.stderr)
        return 1
    await open_pool()
    stores = await KnowledgeStores.open()
    outcomes: list[tuple[str, str, str]] = []
    try:
        async with tenant_tx(tenant_id):
            if not await Tenant.exists().where(Tenant.id == tenant_id):
                print(f"error: no tenant {tenant_id}", file=sys.stderr)
                return 1
        for path in tqdm(files, desc="documents", unit="doc", position=0):
            outcomes.append(await _ingest_file(stores, tenant_id, folder, path, dry_run))
    finally:
        await stores.close()
        await close_pool()
    width = max(len(name) for name, _, _ in outcomes)
    for name, status, detail in outcomes:
        print(f"{name:<{width}}  {status:<9}  {detail}")
    failed = sum(1 for _, status, _ in outcomes if status == "failed")
    print(f"{len(outcomes)} files: {len(outcomes) - failed} ok, {failed} failed")
    return 1 if failed else 0


async def _ingest_file(stores: KnowledgeStores, tenant_id: UUID, folder: Path, path: Path,
                       dry_run: bool) -> tuple[str, str, str]:
    name = str(path.relative_to(folder))
    size = path.stat().st_size
    if size > service.MAX_DOCUMENT_BYTES:
        return name, "failed", f"larger than {service.MAX_DOCUMENT_BYTES // 2**20} MB"
    if dry_run:
        return name, "would add", f"{size} bytes"
    try:
        document = await service.add_document_bytes(stores, tenant_id, None, path.name, path.read_bytes(),
                                                     title=path.stem)
    except service.DuplicateDocument as duplicate:
        return name, "duplicate", f"already present as {duplicate.existing_id}"
    except service.InvalidRequest as problem:
        return name, "failed", str(problem)
    with tqdm(total=0, desc=f"  {path.name[:30]}", unit="chunk", position=1, leave=False) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        status = await ingest_document(stores, tenant_id, document.id, on_progress=progress)
    final = await service.get_document(tenant_id, document.id)
    detail = f"{final.chunk_count} chunks" if final and status == "ready" else (final.error if final else "")
    return name, status, detail or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.knowledge.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="ingest every file of a folder for one tenant")
    ingest.add_argument("--tenant", required=True, type=UUID, help="the seller's tenant id")
    ingest.add_argument("folder", type=Path)
    ingest.add_argument("--dry-run", action="store_true", help="list what would be added")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    return asyncio.run(ingest_folder(args.tenant, args.folder, dry_run=args.dry_run))


if __name__ == "__main__":
    sys.exit(main())
