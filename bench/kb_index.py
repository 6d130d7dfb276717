"""Raw hybrid latency per vector index type at 1k/10k chunks, and retrieval.search against its baselines.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.kb_index [--sizes 1000,10000] [--variants flat,flat-bq,hnsw,dynamic]

Part 1, index types: on private Weaviate servers started by the stack's own script
(bench/private_weaviate.py: same binary and settings as the stack's; ``dynamic`` on a second one with
``ASYNC_INDEXING=true``, which it requires and the stack must not have: asynchronous indexing makes
even a flat index lag behind writes, docs/deploy.md §5), one collection per variant with the schema of
``KnowledgeChunk`` (properties, Polish stopwords, multi-tenancy), one tenant per size in each, the
same chunks and vectors everywhere. Every query runs against every (variant, size) in a rotating
order, so load from other processes hits all of them alike. Prints raw ``TenantVectors.hybrid``
p50/p99/mean (the call ``retrieval.search`` makes: limit k × OVERFETCH, vectors returned), the
server's CPU time per query (from /proc: robust to other processes' load, unlike wall time), and how
often its top-k equals the exact (flat) top-k. Asynchronously indexed variants are measured after
their queue drained; every variant after the server's post-load background work stopped.

Part 2, the production path: a bench tenant with ``--chunks`` chunks in ready documents in
``KnowledgeChunk`` (created once through the knowledge service, reused by later runs), then
``bench.kb_search``'s measurement: query embedding, raw hybrid, ``retrieval.search`` and the ratio
``search / (embedding + raw hybrid)``.

Chunk texts are generated Polish shop texts (bench.corpus); their vectors are real e5 embeddings of a
pool of ``--pool`` of them with a small random jitter per chunk (bench.kb_search's approach for its
other tenants): embedding 10k chunks on this CPU takes ~10 minutes, the jitter keeps the whole
bench under 5. Queries are real e5 query embeddings.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from tqdm import tqdm

from bench._common import (
    EmbeddingCache, create_bench_tenant, database_label, live_stores, load_state, ms, percentile,
    publish_document, run_bounded, save_state, tenant_exists,
)
from bench.corpus import BenchChunk, queries, shop_chunks
from bench.kb_search import _derived, _row, measure, print_own_share
from bench.private_weaviate import BASE_PORT, cpu_seconds, private_weaviate
from shared.infra.vectors import KNOWLEDGE_COLLECTION, connect_weaviate, create_knowledge_collection
from shared.knowledge.retrieval import DEFAULT_ALPHA, OVERFETCH
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.vectors import ChunkToIndex, TenantVectors

if TYPE_CHECKING:
    from weaviate import WeaviateAsyncClient

STATE = "kb_index"
CORPUS_VERSION = 1
INSERT_BATCH = 500
# Tenant names of the scratch collections: fixed, so a kept collection is found again.
TENANT_NAMESPACE = UUID("6f1c0b9e-61a4-4d8e-9a57-3f0f2b3c9d10")


def vector_index(variant: str, threshold: int):  # noqa: ANN201 — a weaviate config object
    from weaviate.classes.config import Configure, VectorDistances

    cosine = VectorDistances.COSINE
    if variant == "flat":
        return Configure.VectorIndex.flat(distance_metric=cosine)
    if variant == "flat-bq":
        return Configure.VectorIndex.flat(distance_metric=cosine,
                                          quantizer=Configure.VectorIndex.Quantizer.bq(cache=True))
    if variant == "hnsw":
        return Configure.VectorIndex.hnsw(distance_metric=cosine)
    if variant == "dynamic":
        return Configure.VectorIndex.dynamic(distance_metric=cosine, threshold=threshold)
    raise ValueError(f"unknown variant {variant}")


VARIANTS = ("flat", "flat-bq", "hnsw", "dynamic")


@dataclass
class Target:
    variant: str
    size: int
    vectors: TenantVectors
    pid: int = 0
    load_seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server spent during this target's measured queries
    found_at_once: str = ""
    samples: list[float] = field(default_factory=list)
    top: list[tuple[tuple[str, int], ...]] = field(default_factory=list)


def collection_name(variant: str) -> str:
    return "BenchIndex_" + variant.replace("-", "_")


async def synthetic_corpus(stores: KnowledgeStores, size: int, pool_size: int
                           ) -> tuple[list[BenchChunk], list[list[float]]]:
    chunks = shop_chunks(size)
    pool = shop_chunks(pool_size, seed=99)
    cache = EmbeddingCache(stores.embedder)
    try:
        with tqdm(total=pool_size, desc="embed vector pool (cached)", unit="chunk") as bar:
            pool_vectors = await cache.passages([c.embedding_text for c in pool], progress=bar.update)
    finally:
        cache.close()
    rng = random.Random(7)
    return chunks, [_derived(pool_vectors[rng.randrange(pool_size)], rng) for _ in range(size)]


async def vector_queue(client: WeaviateAsyncClient, collection: str) -> int:
    nodes = await client.cluster.nodes(collection=collection, output="verbose")
    return sum(s.vector_queue_length for n in nodes for s in (n.shards or []))


async def load_variant(client: WeaviateAsyncClient, pid: int, variant: str, sizes: list[int], threshold: int,
                       chunks: list[BenchChunk], vectors: list[list[float]], bar: tqdm) -> list[Target]:
    name = collection_name(variant)
    await create_knowledge_collection(client, name, vector_index(variant, threshold))
    targets = []
    for size in sizes:
        tenant = uuid.uuid5(TENANT_NAMESPACE, f"{size}")
        target = Target(variant, size, TenantVectors(client, tenant, collection=name), pid)
        started = time.perf_counter()
        for start in range(0, size, INSERT_BATCH):
            end = min(size, start + INSERT_BATCH)
            await target.vectors.insert([
                ChunkToIndex("doc-%d" % (i // 200), i, chunks[i].heading, chunks[i].text, vectors[i], generation="g")
                for i in range(start, end)])
            bar.update(end - start)
        target.load_seconds = time.perf_counter() - started
        targets.append(target)
    # Asynchronous indexing: searches before the queue drained would be partly brute force.
    started = time.perf_counter()
    while await vector_queue(client, name) and time.perf_counter() - started < 120:
        await asyncio.sleep(0.5)
    at_once = await searchable_at_once(client, name)
    for target in targets:
        target.load_seconds += time.perf_counter() - started
        target.found_at_once = at_once
    return targets


async def searchable_at_once(client: WeaviateAsyncClient, collection: str, tries: int = 20) -> str:
    """Chunks a search finds right after their insert returned (ingestion marks a document ready then)."""
    rng = random.Random(3)
    vectors = TenantVectors(client, uuid.uuid5(TENANT_NAMESPACE, "read-your-writes"), collection=collection)
    found = 0
    for n in range(tries):
        raw = [rng.gauss(0.0, 1.0) for _ in range(384)]
        norm = math.sqrt(sum(x * x for x in raw))
        vector = [x / norm for x in raw]
        await vectors.insert([ChunkToIndex(f"probe-{n}", 0, "Sonda", "sonda", vector)])
        hits = await vectors.hybrid("sonda", vector, limit=1, alpha=1.0)
        found += bool(hits) and hits[0].document_id == f"probe-{n}"
    return f"{found}/{tries}"


async def quiet(pid: int, *, most_seconds: float = 30.0) -> None:
    """Wait until the server's background work after loading (flushes, compactions) is over."""
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(pid) - before < 0.05:
            return


async def compare_indexes(stores: KnowledgeStores, args: argparse.Namespace) -> list[Target]:
    chunks, vectors = await synthetic_corpus(stores, max(args.sizes), args.pool)
    targets: list[Target] = []
    async with AsyncExitStack() as servers:
        # The stack's settings; dynamic needs ASYNC_INDEXING, which the stack must not have (module doc).
        for async_indexing, variants in ((False, [v for v in args.variants if v != "dynamic"]),
                                         (True, [v for v in args.variants if v == "dynamic"])):
            if not variants:
                continue
            server = await servers.enter_async_context(private_weaviate(
                {"WEAVIATE_ASYNC_INDEXING": "true"} if async_indexing else {}, base_port=BASE_PORT + 10 * async_indexing))
            client = await connect_weaviate(server.settings)
            servers.push_async_callback(client.close)
            with tqdm(total=len(variants) * sum(args.sizes), unit="chunk",
                      desc=f"load {','.join(variants)} (ASYNC_INDEXING={str(async_indexing).lower()})") as bar:
                for variant in variants:
                    targets += await load_variant(client, server.pid, variant, args.sizes, args.threshold,
                                                  chunks, vectors, bar)
            await quiet(server.pid)
        texts = queries(args.queries + args.warmup)
        query_vectors = await stores.embedder.embed_queries(texts)
        limit = args.k * OVERFETCH
        for n, (text, vector) in enumerate(tqdm(list(zip(texts, query_vectors, strict=True)),
                                                desc="queries × index types", unit="q")):
            turn = n % len(targets)
            for target in targets[turn:] + targets[:turn]:
                cpu = cpu_seconds(target.pid)
                start = time.perf_counter()
                hits = await target.vectors.hybrid(text, vector, limit=limit, alpha=args.alpha)
                elapsed = time.perf_counter() - start
                if n >= args.warmup:
                    target.samples.append(elapsed)
                    target.server_cpu += cpu_seconds(target.pid) - cpu
                    target.top.append(tuple((h.document_id, h.chunk_index) for h in hits[:args.k]))
    return targets


def report_indexes(targets: list[Target], args: argparse.Namespace) -> None:
    exact = {t.size: t.top for t in targets if t.variant == "flat"}
    print(f"  {'index, chunks':<26}{'p50':>10}{'p99':>10}{'mean':>10}{'server CPU/q':>14}"
          f"{'same top-5 as flat':>20}{'load':>10}{'found at once':>15}")
    for t in targets:
        mean = sum(t.samples) / len(t.samples)
        same = (f"{sum(a == b for a, b in zip(t.top, exact[t.size], strict=True)) / len(t.top):.2f}"
                if t.size in exact else "n/a")
        print(f"  {t.variant + ', ' + format(t.size, ','):<26}{ms(percentile(t.samples, 50)):>10}"
              f"{ms(percentile(t.samples, 99)):>10}{ms(mean):>10}{ms(t.server_cpu / len(t.samples)):>14}"
              f"{same:>20}{t.load_seconds:>9.1f}s{t.found_at_once:>15}")


async def production_tenant(stores: KnowledgeStores, args: argparse.Namespace) -> tuple[UUID, str]:
    """A bench tenant with ``--chunks`` chunks in ready documents in the production collection."""
    wanted = {"database": database_label(), "corpus": CORPUS_VERSION, "chunks": args.chunks}
    state = load_state(STATE)
    saved = state.get("tenant_id") if all(state.get(k) == v for k, v in wanted.items()) else None
    if saved and await tenant_exists(UUID(saved)) and await stores.vectors(saved).count() == args.chunks:
        return UUID(saved), f"reused tenant {saved}"
    chunks, vectors = await synthetic_corpus(stores, args.chunks, args.pool)
    tenant_id = await create_bench_tenant("kb-index")
    save_state(STATE, {**wanted, "tenant_id": str(tenant_id)})
    per_document = 200
    with tqdm(total=math.ceil(args.chunks / per_document), desc="production tenant", unit="doc") as bar:
        for n, start in enumerate(range(0, args.chunks, per_document)):
            part = slice(start, start + per_document)
            await publish_document(stores, tenant_id, f"katalog-{n + 1:03}.txt", f"Katalog, część {n + 1}",
                                   chunks[part], vectors[part])
            bar.update()
    return tenant_id, f"created tenant {tenant_id}"


async def run(args: argparse.Namespace) -> int:
    async with live_stores() as stores:
        targets = await compare_indexes(stores, args) if args.variants else []
        if args.indexes_only:
            samples = {}
        else:
            tenant_id, how = await production_tenant(stores, args)
            config = await stores.weaviate.collections.use(KNOWLEDGE_COLLECTION).config.get()
            index_type = config.vector_config["default"].vector_index_config.vector_index_type()
            samples = await measure(stores, tenant_id, args)
    print()
    print(f"kb_index — top-{args.k} hybrid (alpha {args.alpha}, limit {args.k * OVERFETCH}), database {database_label()}")
    if targets:
        print(f"  index types: private Weaviate servers started by scripts/stack (dynamic: ASYNC_INDEXING=true), "
              f"{args.queries} Polish queries after {args.warmup} warm-up, every query on every index in turn")
        report_indexes(targets, args)
        print()
    if not samples:
        return 0
    print(f"  production path: the stack's {KNOWLEDGE_COLLECTION} ({index_type} index), {args.chunks} chunks "
          f"in ready documents, {how}; {args.queries} queries after {args.warmup} warm-up")
    print(f"  {'':<34}{'p50':>11}{'p99':>11}{'mean':>11}")
    print(_row("query embedding (baseline)", samples["embed"]))
    print(_row("raw TenantVectors.hybrid", samples["hybrid"]))
    print(_row("embedding + raw hybrid", samples["embed+hybrid"]))
    print(_row("retrieval.search", samples["search"]))
    print(_row("retrieval.search, vector given", samples["search given vector"]))
    for p in (50, 99):
        ratio = percentile(samples["search"], p) / percentile(samples["embed+hybrid"], p)
        print(f"  search / (embedding + raw hybrid)  p{p} {ratio:5.2f}×")
    print_own_share(samples)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb_index", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="chunks per tenant, comma-separated")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"of {','.join(VARIANTS)}; empty: skip part 1")
    parser.add_argument("--threshold", type=int, default=10_000, help="dynamic: objects before flat becomes HNSW")
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks of the production-path tenant")
    parser.add_argument("--pool", type=int, default=300, help="really embedded texts the vectors derive from")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    parser.add_argument("--indexes-only", action="store_true", help="part 1 only")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="stop the whole bench after this")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes: comma-separated integers")
    args.variants = [v for v in args.variants.split(",") if v.strip()]
    if unknown := set(args.variants) - set(VARIANTS):
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if not (args.sizes and 1 <= min(args.sizes) and max(args.sizes) <= 100_000 and 1 <= args.chunks <= 100_000
            and 1 <= args.queries <= 10_000 and 1 <= args.pool <= 5_000):
        parser.error("counts out of range (sizes/chunks 1..100000, queries 1..10000, pool 1..5000)")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
