"""Weaviate memory per ACTIVE and per INACTIVE seller tenant, and what waking an idle seller costs.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.weaviate_tenants [--tenants 200] [--chunks 200]

Runs on a private Weaviate started by ``scripts/stack start weaviate`` (bench/private_weaviate.py:
same binary and settings as the stack's, its own data directory and ports), so other people's
tests do not move its memory. The production collection (``ensure_knowledge_collection``) gets
``--tenants`` sellers with ``--chunks`` chunks each through ``TenantVectors`` (texts from
bench.corpus, vectors derived from real e5 embeddings of a 300-text pool, as bench.kb_search does
for its other tenants); every seller searches once, so each tenant is loaded as a working seller's is.

Prints the server's resident memory (VmRSS, settled: sampled until it stops moving) empty, with all
tenants ACTIVE, after setting them all INACTIVE (the idle sweep's call), after waking them again,
and after a restart with all INACTIVE (Go returns freed memory to the OS lazily, so the restart
shows what an inactive tenant really keeps); per tenant: (RSS − empty RSS) / tenants; beside it the
server's open files (each active tenant's segments are files it holds open). Then per seller: the first search after INACTIVE
(it wakes the tenant: Weaviate's auto-activation) against the next search (warm) — the baseline in
the same run — p50/p99 and the difference; and the explicit activation call alone
(``tenants.update(ACTIVE)``, what ``vector_activity.in_active_tenant`` does where auto-activation
is off).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from pathlib import Path

from tqdm import tqdm

from bench._common import EmbeddingCache, ms, percentile, require_stack_env, run_bounded
from bench.corpus import queries, shop_chunks
from bench.kb_search import _derived
from bench.private_weaviate import open_files, private_weaviate, rss_mib
from shared.infra.embeddings import Embedder
from bench.kb_index import vector_index
from shared.infra.vectors import (
    KNOWLEDGE_COLLECTION, connect_weaviate, create_knowledge_collection, ensure_knowledge_collection,
)
from shared.tenancy.vectors import ChunkToIndex, TenantVectors

POOL = 300
UPDATE_BATCH = 100


async def settled_rss(pid: int, *, most_seconds: float = 60.0) -> float:
    """RSS once it stopped moving (< 1% over 5 s): Go returns freed memory to the OS gradually."""
    samples = [rss_mib(pid)]
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        samples.append(rss_mib(pid))
        window = samples[-6:]
        if len(window) == 6 and max(window) - min(window) < 0.01 * max(window):
            break
    return samples[-1]


def disk_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


async def set_status(client, tenants: list[str], status) -> float:  # noqa: ANN001
    from weaviate.classes.tenants import Tenant

    collection = client.collections.use(KNOWLEDGE_COLLECTION)
    started = time.perf_counter()
    for start in range(0, len(tenants), UPDATE_BATCH):
        await collection.tenants.update([Tenant(name=t, activity_status=status)
                                         for t in tenants[start:start + UPDATE_BATCH]])
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> int:
    from weaviate.classes.tenants import TenantActivityStatus

    require_stack_env()
    embedder = Embedder()
    cache = EmbeddingCache(embedder)
    try:
        pool = shop_chunks(POOL, seed=99)
        with tqdm(total=POOL, desc="embed vector pool (cached)", unit="chunk") as bar:
            pool_vectors = await cache.passages([c.embedding_text for c in pool], progress=bar.update)
        texts = queries(args.tenants)
        query_vectors = await embedder.embed_queries(texts)
    finally:
        cache.close()
        await embedder.close()

    async with private_weaviate() as server:
        client = await connect_weaviate(server.settings)
        try:
            if args.index == "production":
                await ensure_knowledge_collection(client)
            else:  # the same schema with another vector index (bench.kb_index compares their speed)
                await create_knowledge_collection(client, KNOWLEDGE_COLLECTION, vector_index(args.index, 10_000))
            files: dict[str, int] = {}
            empty = await settled_rss(server.pid)
            files['empty'] = open_files(server.pid)
            rng = random.Random(5)
            tenants = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(args.tenants)]
            handles = [TenantVectors(client, t) for t in tenants]
            started = time.perf_counter()
            with tqdm(total=args.tenants, desc="sellers (insert + one search)", unit="tenant") as bar:
                for handle in handles:
                    picks = [rng.randrange(POOL) for _ in range(args.chunks)]
                    await handle.insert([ChunkToIndex(f"doc-{i // 100}", i, pool[p].heading, pool[p].text,
                                                      _derived(pool_vectors[p], rng), generation="g")
                                         for i, p in enumerate(picks)])
                    await handle.hybrid(texts[0], query_vectors[0], limit=20)
                    bar.update()
            load_seconds = time.perf_counter() - started
            active = await settled_rss(server.pid)
            files['active'] = open_files(server.pid)

            deactivate_seconds = await set_status(client, tenants, TenantActivityStatus.INACTIVE)
            inactive = await settled_rss(server.pid)
            files['inactive'] = open_files(server.pid)

            wake, warm = [], []
            for handle, text, vector in tqdm(list(zip(handles, texts, query_vectors, strict=True)),
                                             desc="wake by search", unit="tenant"):
                start = time.perf_counter()
                hits = await handle.hybrid(text, vector, limit=20)
                wake.append(time.perf_counter() - start)
                if not hits:
                    raise RuntimeError("a woken tenant returned no hits")
                start = time.perf_counter()
                await handle.hybrid(text, vector, limit=20)
                warm.append(time.perf_counter() - start)
            woken = await settled_rss(server.pid)
            files['woken'] = open_files(server.pid)

            await set_status(client, tenants, TenantActivityStatus.INACTIVE)
            explicit = []
            for tenant in tqdm(tenants, desc="explicit activation", unit="tenant"):
                explicit.append(await set_status(client, [tenant], TenantActivityStatus.ACTIVE))
            disk = disk_mib(Path(server.state_dir) / "weaviate")
            # Go hands freed memory back to the OS lazily: a restart with every tenant INACTIVE shows
            # what an inactive tenant really keeps in memory.
            await set_status(client, tenants, TenantActivityStatus.INACTIVE)
            await client.close()
            server.stack("restart")
            client = await connect_weaviate(server.settings)
            restarted = await settled_rss(server.pid)
            files['restarted'] = open_files(server.pid)
        finally:
            await client.close()

    n = args.tenants
    print()
    print(f"weaviate_tenants — {n} sellers × {args.chunks} chunks in {KNOWLEDGE_COLLECTION} "
          f"(production schema, {args.index} vector index), private Weaviate started by scripts/stack")
    print(f"  load: {load_seconds:.1f} s; set {n} tenants INACTIVE: {deactivate_seconds * 1000:.0f} ms "
          f"({UPDATE_BATCH} per call); data on disk {disk:.1f} MiB ({disk / n * 1024:.0f} KiB per seller)")
    print(f"  {'Weaviate RSS':<36}{'MiB':>9}{'per tenant':>14}{'open files':>12}{'per tenant':>12}")
    print(f"  {'empty collection':<36}{empty:>9.1f}{'':>14}{files['empty']:>12}")
    for key, label, value in (("active", "all ACTIVE (after one search each)", active),
                              ("inactive", "all INACTIVE", inactive),
                              ("woken", "woken again by a search", woken),
                              ("restarted", "all INACTIVE, after a restart", restarted)):
        print(f"  {label:<36}{value:>9.1f}{(value - empty) / n * 1024:>10.0f} KiB"
              f"{files[key]:>12}{(files[key] - files['empty']) / n:>12.1f}")
    print(f"  {'':<36}{'p50':>9}{'p99':>9}{'mean':>9}")
    for label, samples in (("search, tenant INACTIVE (wakes it)", wake), ("search, warm (baseline)", warm),
                           ("explicit activation call", explicit)):
        print(f"  {label:<36}{ms(percentile(samples, 50)):>9}{ms(percentile(samples, 99)):>9}"
              f"{ms(sum(samples) / len(samples)):>9}")
    print(f"  activation cost (wake − warm)     p50 {ms(percentile(wake, 50) - percentile(warm, 50))}, "
          f"p99 {ms(percentile(wake, 99) - percentile(warm, 99))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.weaviate_tenants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=200, help="chunks per tenant")
    parser.add_argument("--index", choices=("production", "flat", "hnsw"), default="production",
                        help="vector index of the collection (production: ensure_knowledge_collection's)")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="stop the whole bench after this")
    args = parser.parse_args(argv)
    if not (1 <= args.tenants <= 5000 and 1 <= args.chunks <= 10_000):
        parser.error("counts out of range (tenants 1..5000, chunks 1..10000)")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
