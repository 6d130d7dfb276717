"""What every benchmark needs: the live stack, bench tenants, an on-disk embedding cache, timing."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import sqlite3
import sys
import time
import uuid
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from uuid import UUID

from shared.accounts.tables import Tenant
from shared.infra.embeddings import Embedder
from shared.infra.postgres import close_pool, open_pool
from shared.knowledge import service
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx
from shared.tenancy.vectors import ChunkToIndex

CACHE_DIR = Path(os.environ.get("BOKAI_BENCH_CACHE", Path.home() / ".cache" / "bok-ai" / "bench"))
EMBED_BATCH = 32
INSERT_BATCH = 200


class HasHeadingAndText(Protocol):
    heading: str
    text: str


def require_stack_env() -> None:
    missing = [n for n in ("DATABASE_URL", "WEAVIATE_HTTP_PORT", "S3_ENDPOINT", "EMBEDDINGS_BASE_URL")
               if not os.environ.get(n)]
    if missing:
        sys.exit(f"missing {', '.join(missing)}: run `set -a; source .state/env; set +a` first "
                 "(and `scripts/stack start` if the stack is down)")


def database_label() -> str:
    """host:port/dbname of the configured database, without credentials (keys the bench state)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return f"{url.hostname}:{url.port}{url.path}"


@asynccontextmanager
async def live_stores() -> AsyncIterator[KnowledgeStores]:
    require_stack_env()
    await open_pool()
    stores = await KnowledgeStores.open()
    try:
        yield stores
    finally:
        await stores.close()
        await close_pool()


def run_bounded(main: Callable[[], Awaitable[int]], minutes: float) -> int:
    """Run the bench; give up (exit 2) after ``minutes`` instead of hanging on a stuck server."""
    async def bounded() -> int:
        try:
            async with asyncio.timeout(minutes * 60):
                return await main()
        except TimeoutError:
            print(f"\nbench stopped: exceeded --max-minutes={minutes:g}", file=sys.stderr)
            return 2

    return asyncio.run(bounded())


async def create_bench_tenant(label: str) -> UUID:
    tenant_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await Tenant.insert(Tenant(id=tenant_id, name=f"Bench {label}",
                                   slug=f"bench-{label}-{tenant_id.hex[:10]}"))
    return tenant_id


async def tenant_exists(tenant_id: UUID) -> bool:
    async with tenant_tx(tenant_id):
        return await Tenant.exists().where(Tenant.id == tenant_id)


async def delete_bench_tenant(stores: KnowledgeStores, tenant_id: UUID) -> None:
    """Documents (rows, objects, chunks) through the service, then the tenant row."""
    page = await service.list_documents(tenant_id, limit=100)
    for document in page.items:
        await service.delete_document(stores, tenant_id, document.id)
    async with tenant_tx(tenant_id):
        await Tenant.delete().where(Tenant.id == tenant_id)


async def publish_document(stores: KnowledgeStores, tenant_id: UUID, name: str, title: str,
                           chunks: Sequence[HasHeadingAndText], vectors: list[list[float]]) -> None:
    """One ready document: object + row through the service, chunks indexed, generation activated."""
    body = "\n\n".join(f"{c.heading}\n{c.text}" for c in chunks).encode()
    document = await service.add_document_bytes(stores, tenant_id, None, name, body, title=title)
    generation = uuid.uuid4().hex
    handle = stores.vectors(tenant_id)
    for start in range(0, len(chunks), INSERT_BATCH):
        await handle.insert([
            ChunkToIndex(str(document.id), start + i, c.heading, c.text, v, generation=generation)
            for i, (c, v) in enumerate(zip(chunks[start:start + INSERT_BATCH],
                                            vectors[start:start + INSERT_BATCH], strict=True))
        ])
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.update({
            KnowledgeDocument.status: "ready", KnowledgeDocument.active_generation: generation,
            KnowledgeDocument.chunk_count: len(chunks), KnowledgeDocument.progress_percent: 100,
            KnowledgeDocument.content_type: "text/plain",
            KnowledgeDocument.updated_at: datetime.now(timezone.utc),
        }).where(KnowledgeDocument.id == document.id)


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class EmbeddingCache:
    """Passage vectors by (model, text hash) in SQLite, so reruns skip the embedding server."""

    def __init__(self, embedder: Embedder, path: Path = CACHE_DIR / "embeddings.sqlite") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, sha TEXT, vector BLOB, "
                         "PRIMARY KEY (model, sha))")
        self._embedder = embedder
        settings = embedder.settings
        self._model = f"{settings.base_url}|{settings.passage_model}|{settings.dimensions}"

    def _sha(self, text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def _get(self, sha: str) -> list[float] | None:
        row = self._db.execute("SELECT vector FROM vectors WHERE model = ? AND sha = ?",
                               (self._model, sha)).fetchone()
        return array("f", row[0]).tolist() if row else None

    async def passages(self, texts: list[str], *, progress: Callable[[int], None] | None = None
                       ) -> list[list[float]]:
        found: dict[str, list[float]] = {}
        missing: list[str] = []
        for text in texts:
            sha = self._sha(text)
            if sha in found:
                continue
            vector = self._get(sha)
            if vector is None:
                missing.append(text)
                found[sha] = []
            else:
                found[sha] = vector
        if progress:
            progress(len(texts) - len(missing))
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start:start + EMBED_BATCH]
            vectors = await self._embedder.embed_passages(batch)
            rows = [(self._model, self._sha(t), array("f", v).tobytes()) for t, v in zip(batch, vectors, strict=True)]
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
            self._db.commit()  # committed per batch: an interrupted run resumes where it stopped
            for text, vector in zip(batch, vectors, strict=True):
                found[self._sha(text)] = vector
            if progress:
                progress(len(batch))
        return [found[self._sha(t)] for t in texts]

    def close(self) -> None:
        self._db.close()


def load_state(name: str) -> dict:
    path = CACHE_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(name: str, state: dict) -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    (CACHE_DIR / f"{name}.json").write_text(json.dumps(state, indent=2))


class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    @asynccontextmanager
    async def timing(self) -> AsyncIterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1
