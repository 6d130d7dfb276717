"""Top-k hybrid search latency in one big tenant among many, against raw hybrid and embedding baselines.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.kb_search [--chunks 10000] [--tenants 100] [--queries 300]

The first run populates the tenants (the measured tenant's chunks are real embeddings, cached under
~/.cache/bok-ai/bench/); later runs reuse them (their ids are in kb_search.json there).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
from collections.abc import Callable
from uuid import UUID

from tqdm import tqdm

from bench._common import (
    CACHE_DIR, EmbeddingCache, create_bench_tenant, database_label, delete_bench_tenant, live_stores, load_state, ms,
    percentile, publish_document, run_bounded, save_state, tenant_exists,
)
from bench.corpus import queries, shop_chunks
from shared.infra.vectors import KNOWLEDGE_COLLECTION
from shared.knowledge import service
from shared.knowledge.retrieval import OVERFETCH, search
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx

CORPUS_VERSION = 1  # bump when bench.corpus changes, so saved tenants are rebuilt
STATE = "kb_search"
OTHER_POOL = 300
MEASURED_LABEL = "search-main"


async def _ready_titles(tenant_id: UUID) -> dict[str, str]:
    """title -> status of the tenant's documents; anything not ready is deleted by the caller."""
    async with tenant_tx(tenant_id):
        rows = await KnowledgeDocument.select(KnowledgeDocument.id, KnowledgeDocument.title,
                                              KnowledgeDocument.status)
    return {r["title"]: (str(r["id"]), r["status"]) for r in rows}


async def populate_measured(stores: KnowledgeStores, cache: EmbeddingCache, tenant_id: UUID,
                            chunk_count: int, per_document: int) -> None:
    chunks = shop_chunks(chunk_count)
    with tqdm(total=len(chunks), desc="embed measured chunks (cached)", unit="chunk") as bar:
        vectors = await cache.passages([c.embedding_text for c in chunks], progress=bar.update)
    existing = await _ready_titles(tenant_id)
    documents = math.ceil(chunk_count / per_document)
    with tqdm(total=documents, desc="index measured tenant", unit="doc") as bar:
        for n in range(documents):
            title = f"Katalog i regulamin, część {n + 1}"
            found = existing.get(title)
            if found and found[1] == "ready":
                bar.update()
                continue
            if found:  # a previous run stopped half-way through this document
                await service.delete_document(stores, tenant_id, UUID(found[0]))
            part = slice(n * per_document, (n + 1) * per_document)
            await publish_document(stores, tenant_id, f"katalog-{n + 1:03}.txt", title, chunks[part], vectors[part])
            bar.update()


def _derived(vector: list[float], rng: random.Random, noise: float = 0.3) -> list[float]:
    """A unit vector near ``vector`` (cosine ~0.95): distinct per tenant, still shaped like real text."""
    sigma = noise / math.sqrt(len(vector))
    jittered = [x + rng.gauss(0.0, sigma) for x in vector]
    norm = math.sqrt(sum(x * x for x in jittered)) or 1.0
    return [x / norm for x in jittered]


async def populate_others(stores: KnowledgeStores, cache: EmbeddingCache, saved: list[str], want: int,
                          per_tenant: int, remember: Callable[[list[str]], None]) -> list[str]:
    pool = shop_chunks(OTHER_POOL, seed=99)
    pool_vectors = await cache.passages([c.embedding_text for c in pool])
    kept = []
    for tenant_id in saved[:want]:
        if await tenant_exists(UUID(tenant_id)) and await stores.vectors(tenant_id).count() == per_tenant:
            kept.append(tenant_id)
    with tqdm(total=want, initial=len(kept), desc="other tenants", unit="tenant") as bar:
        while len(kept) < want:
            tenant_id = await create_bench_tenant("search-other")
            remember(kept + [str(tenant_id)] + saved[want:])
            rng = random.Random(tenant_id.int)
            picks = [rng.randrange(len(pool)) for _ in range(per_tenant)]
            await publish_document(stores, tenant_id, "regulamin.txt", "Regulamin sklepu", [pool[i] for i in picks],
                           [_derived(pool_vectors[i], rng) for i in picks])
            kept.append(str(tenant_id))
            bar.update()
    return kept


async def wait_for_vector_index(stores: KnowledgeStores, tenant_id: UUID,
                                timeout: float = 300) -> tuple[str, int]:
    """Measure only a settled index, should the server index vectors asynchronously (ASYNC_INDEXING;
    the stack keeps it off, bench.kb_index shows why)."""
    deadline = time.monotonic() + timeout
    while True:
        nodes = await stores.weaviate.cluster.nodes(collection=KNOWLEDGE_COLLECTION, output="verbose")
        all_shards = [s for n in nodes for s in (n.shards or [])]
        shards = [s for s in all_shards if s.name == str(tenant_id)]
        queued = sum(s.vector_queue_length for s in shards)
        if queued == 0 or time.monotonic() > deadline:
            status = ",".join(sorted({s.vector_indexing_status for s in shards})) or "unknown"
            return (f"{status}, {queued} vectors still queued" if queued else status), len(all_shards)
        await asyncio.sleep(2)


async def prepare(stores: KnowledgeStores, args: argparse.Namespace) -> tuple[UUID, list[str], str]:
    started = time.perf_counter()
    wanted = {"database": database_label(), "corpus": CORPUS_VERSION}
    measured_state = f"{STATE}-{args.chunks}-chunks-{args.per_document}-per-doc"
    state = load_state(measured_state)
    saved = state.get("tenant_id") if all(state.get(k) == v for k, v in wanted.items()) else None
    cache = EmbeddingCache(stores.embedder)
    try:
        if args.fresh and saved:
            await _drop_quietly(stores, saved)
            saved = None
        tenant_id = UUID(saved) if saved and await tenant_exists(UUID(saved)) else None
        if tenant_id is not None and await stores.vectors(tenant_id).count() == args.chunks:
            how = f"reused measured tenant {tenant_id} ({CACHE_DIR}/{measured_state}.json)"
        else:
            how = f"{'completed' if tenant_id else 'created'} measured tenant"
            tenant_id = tenant_id or await create_bench_tenant(MEASURED_LABEL)
            how += f" {tenant_id}"
            save_state(measured_state, {**wanted, "tenant_id": str(tenant_id)})
            await populate_measured(stores, cache, tenant_id, args.chunks, args.per_document)
        others_state = f"{STATE}-others-{args.other_chunks}-chunks"
        state = load_state(others_state)
        saved_others = state.get("tenant_ids", []) if all(state.get(k) == v for k, v in wanted.items()) else []
        others = await populate_others(
            stores, cache, saved_others, args.tenants, args.other_chunks,
            lambda ids: save_state(others_state, {**wanted, "tenant_ids": ids}))
        save_state(others_state, {**wanted, "tenant_ids": others + saved_others[args.tenants:]})
    finally:
        cache.close()
    return tenant_id, others, f"{how}; preparation {time.perf_counter() - started:.1f} s"


async def _drop_quietly(stores: KnowledgeStores, tenant_id: str) -> None:
    try:
        if await tenant_exists(UUID(tenant_id)):
            await delete_bench_tenant(stores, UUID(tenant_id))
    except Exception as problem:  # an old tenant that cannot be removed does not stop a fresh run
        print(f"note: could not remove old bench tenant {tenant_id}: {problem}")


def _row(label: str, samples: list[float]) -> str:
    mean = sum(samples) / len(samples)
    return f"  {label:<34}{ms(percentile(samples, 50)):>11}{ms(percentile(samples, 99)):>11}{ms(mean):>11}"


async def measure(stores: KnowledgeStores, tenant_id: UUID, args: argparse.Namespace) -> dict[str, list[float]]:
    handle = stores.vectors(tenant_id)
    limit = args.k * OVERFETCH
    samples: dict[str, list[float]] = {"embed": [], "hybrid": [], "search": [], "embed+hybrid": [],
                                       "search given vector": []}
    full_results = 0
    texts = queries(args.queries + args.warmup)

    async def embed(query: str) -> float:
        start = time.perf_counter()
        await stores.embedder.embed_queries([query])
        return time.perf_counter() - start

    async def hybrid(query: str, vector: list[float]) -> float:
        start = time.perf_counter()
        await handle.hybrid(query, vector, limit=limit, alpha=args.alpha)
        return time.perf_counter() - start

    for n, query in enumerate(tqdm(texts, desc="queries", unit="q")):
        [vector] = await stores.embedder.embed_queries([query])
        timings: dict[str, float] = {}
        # Rotate the order so no mode always runs first (warm caches, scheduler noise).
        modes = ("embed", "hybrid", "search", "search given vector")
        for mode in modes[n % len(modes):] + modes[:n % len(modes)]:
            if mode == "embed":
                timings["embed"] = await embed(query)
            elif mode == "hybrid":
                timings["hybrid"] = await hybrid(query, vector)
            elif mode == "search given vector":
                # The caller already has the embedding (the agent does): all of search but the
                # embedding server, whose queue is shared with everything else on this machine.
                start = time.perf_counter()
                await search(stores, tenant_id, query, args.k, alpha=args.alpha, query_vector=vector)
                timings[mode] = time.perf_counter() - start
            else:
                start = time.perf_counter()
                hits = await search(stores, tenant_id, query, args.k, alpha=args.alpha)
                timings["search"] = time.perf_counter() - start
                full_results += len(hits) == args.k
        if n < args.warmup:
            continue
        for mode, seconds in timings.items():
            samples[mode].append(seconds)
        samples["embed+hybrid"].append(timings["embed"] + timings["hybrid"])
    samples["full"] = [float(full_results)]
    return samples


async def run(args: argparse.Namespace) -> int:
    async with live_stores() as stores:
        tenant_id, others, how = await prepare(stores, args)
        indexing, weaviate_tenants = await wait_for_vector_index(stores, tenant_id)
        counts = await stores.vectors(tenant_id).count()
        samples = await measure(stores, tenant_id, args)
    def ratio(base: str, p: float) -> float:
        return percentile(samples["search"], p) / percentile(samples[base], p)

    print()
    print(f"kb_search — top-{args.k} hybrid search (alpha {args.alpha}), database {database_label()}")
    print(f"  measured tenant: {counts} chunks in {math.ceil(args.chunks / args.per_document)} documents, "
          f"real e5 embeddings of distinct Polish shop texts (avg ~200 chars); vector index {indexing}")
    print(f"  other tenants:   {len(others)} × {args.other_chunks} chunks; their vectors are derived from real "
          f"embeddings of a pool of {OTHER_POOL} texts (small random jitter), to keep preparation fast")
    print(f"  Weaviate tenants in {KNOWLEDGE_COLLECTION}: {weaviate_tenants} (bench, tests and dev data)")
    print(f"  {how}")
    print(f"  {args.queries} Polish queries after {args.warmup} warm-up queries; "
          f"{int(samples['full'][0])}/{args.queries + args.warmup} searches returned {args.k} hits")
    print()
    print(f"  {'':<34}{'p50':>11}{'p99':>11}{'mean':>11}")
    print(_row("query embedding (baseline)", samples["embed"]))
    print(_row(f"raw TenantVectors.hybrid, limit {args.k * OVERFETCH}", samples["hybrid"]))
    print(_row("embedding + raw hybrid", samples["embed+hybrid"]))
    print(_row("retrieval.search (embed+hybrid+PG)", samples["search"]))
    print(_row("retrieval.search, vector given", samples["search given vector"]))
    print()
    for label, base in (("search / raw hybrid", "hybrid"), ("search / embedding", "embed"),
                        ("search / (embedding + raw hybrid)", "embed+hybrid")):
        print(f"  {label:<34} p50 {ratio(base, 50):5.2f}×   p99 {ratio(base, 99):5.2f}×")
    print_own_share(samples)
    return 0


def print_own_share(samples: dict[str, list[float]]) -> None:
    """What search adds to Weaviate's answer, apart from the embedding server's queue.

    The embedding dominates search and, on a shared machine, varies more from one call to the next
    than everything else together: the searches' own embeddings are other samples than the baseline's.
    Given the vector, search is raw hybrid + the Postgres check + Python; composed with the measured
    embedding it gives the ratio without that noise.
    """
    given, hybrid, embed = samples["search given vector"], samples["hybrid"], samples["embed"]
    for p in (50, 99):
        own = percentile(given, p) / percentile(hybrid, p)
        composed = (percentile(embed, p) + percentile(given, p)) / (percentile(embed, p) + percentile(hybrid, p))
        print(f"  p{p}: search given the vector / raw hybrid {own:5.2f}× "
              f"(+{ms(percentile(given, p) - percentile(hybrid, p))}); "
              f"(embedding + that) / (embedding + raw hybrid) {composed:5.2f}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb_search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks in the measured tenant")
    parser.add_argument("--tenants", type=int, default=100, help="other tenants present")
    parser.add_argument("--other-chunks", type=int, default=50, help="chunks per other tenant")
    parser.add_argument("--per-document", type=int, default=200, help="chunks per document")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--fresh", action="store_true", help="build a new measured tenant even if one is saved")
    parser.add_argument("--max-minutes", type=float, default=45.0, help="stop the whole bench after this")
    args = parser.parse_args(argv)
    if not (1 <= args.chunks <= 200_000 and 0 <= args.tenants <= 1000 and 1 <= args.queries <= 10_000):
        parser.error("counts out of range (chunks 1..200000, tenants 0..1000, queries 1..10000)")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
