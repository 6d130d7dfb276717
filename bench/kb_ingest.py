"""Ingestion time of a generated 100-page Polish PDF, against the raw embedding time of its chunks.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.kb_ingest [--pages 100]

The PDF (shop regulations and product sheets, every page different) goes to a fresh tenant's MinIO
prefix through the service and is ingested with the production ``ingest_document``. The baseline,
measured in the same run, embeds the same chunk texts with ``embed_passages`` alone.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass

from tqdm import tqdm

from bench._common import Stopwatch, create_bench_tenant, delete_bench_tenant, live_stores, run_bounded
from bench.corpus import CITY_LOC, POLICY_TEMPLATES, policy_chunk, product_chunk
from shared.infra.embeddings import Embedder
from shared.knowledge import service
from shared.knowledge.chunking import chunk_sections
from shared.knowledge.extraction import detect_kind, extract_sections
from shared.knowledge.ingestion import EMBED_BATCH, ingest_document
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.vectors import ChunkToIndex, TenantVectors
from tests.knowledge.documents import make_pdf

TOPICS = [heading for heading, _ in POLICY_TEMPLATES]


def regulations_pages(count: int, seed: int = 3) -> list[str]:
    """Numbered chapters of shop regulations alternating with product-sheet pages; no two alike."""
    rng = random.Random(seed)
    pages = []
    for n in range(1, count + 1):
        if n % 3:
            topic = TOPICS[n % len(TOPICS)]
            paragraphs = [f"§ {n}. {topic}", f"Rozdział {n} regulaminu sklepu internetowego obowiązuje od "
                          f"{rng.randint(1, 28)}.{rng.randint(1, 12):02}.2026 r. i dotyczy zamówień "
                          f"składanych przez konsumentów oraz przedsiębiorców na prawach konsumenta."]
            paragraphs += [f"{n}.{i} {policy_chunk(rng).text}" for i in range(1, rng.randint(6, 9))]
        else:
            city = rng.choice(list(CITY_LOC.values()))
            paragraphs = [f"Karty produktów — strona {n}",
                          f"Produkty z tej strony są dostępne w magazynie w {city}."]
            paragraphs += [product_chunk(rng).text for _ in range(rng.randint(7, 10))]
        pages.append("\n\n".join(paragraphs))
    return pages


class TimedEmbedder:
    """The real embedder, with the time spent in passage embedding recorded."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.settings = embedder.settings
        self.watch = Stopwatch()

    async def embed_passages(self, texts: list[str]) -> list[list[float]]:
        async with self.watch.timing():
            return await self._embedder.embed_passages(texts)

    async def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return await self._embedder.embed_queries(texts)

    async def close(self) -> None:
        await self._embedder.close()


class TimedVectors(TenantVectors):
    watch = Stopwatch()

    async def insert(self, chunks: list[ChunkToIndex]) -> list[str]:
        async with self.watch.timing():
            return await super().insert(chunks)


@dataclass
class TimedStores(KnowledgeStores):
    def vectors(self, tenant_id):  # type: ignore[no-untyped-def]
        return TimedVectors(self.weaviate, tenant_id)


async def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    pdf = make_pdf(regulations_pages(args.pages))
    generate_seconds = time.perf_counter() - started

    start = time.perf_counter()
    sections = extract_sections(detect_kind(pdf, "regulamin.pdf"), pdf)
    chunks = chunk_sections(sections)
    extract_seconds = time.perf_counter() - start
    texts = [c.embedding_text for c in chunks]

    async with live_stores() as stores:
        timed_embedder = TimedEmbedder(stores.embedder)
        timed = TimedStores(stores.minio, stores.bucket, stores.weaviate, timed_embedder, stores.redis)  # type: ignore[arg-type]
        tenant_id = await create_bench_tenant("ingest")
        try:
            start = time.perf_counter()
            document = await service.add_document_bytes(stores, tenant_id, None, "regulamin-sklepu.pdf", pdf,
                                                         title="Regulamin sklepu i karty produktów")
            upload_seconds = time.perf_counter() - start

            with tqdm(total=len(chunks), desc="ingest_document", unit="chunk") as bar:
                start = time.perf_counter()
                status = await ingest_document(timed, tenant_id, document.id,
                                               on_progress=lambda done, _total: bar.update(done - bar.n))
                ingest_seconds = time.perf_counter() - start
            final = await service.get_document(tenant_id, document.id)
            if status != "ready" or final is None:
                print(f"ingestion ended as {status}: {final.error if final else 'document gone'}")
                return 1

            start = time.perf_counter()
            for batch in tqdm(range(0, len(texts), EMBED_BATCH), desc="baseline: embed_passages", unit="batch"):
                await stores.embedder.embed_passages(texts[batch:batch + EMBED_BATCH])
            baseline_seconds = time.perf_counter() - start
        finally:
            if not args.keep:
                await delete_bench_tenant(stores, tenant_id)

    embed_seconds, index_seconds = timed_embedder.watch.seconds, TimedVectors.watch.seconds
    other_seconds = ingest_seconds - embed_seconds - index_seconds
    chars = sum(len(t) for t in texts)

    def line(label: str, seconds: float, note: str = "") -> str:
        return f"  {label:<44}{seconds:>8.2f} s{seconds / ingest_seconds * 100:>7.1f}%  {note}"

    print()
    print(f"kb_ingest — {args.pages}-page Polish PDF ({len(pdf) / 1024:.0f} KiB, generated in {generate_seconds:.1f} s), "
          f"{len(chunks)} chunks, avg {chars // len(chunks)} chars")
    print(f"  upload to the tenant's MinIO prefix (service.add_document_bytes): {upload_seconds * 1000:.0f} ms")
    print(f"  ingest_document total: {ingest_seconds:.2f} s  →  {args.pages / ingest_seconds:.2f} pages/s, "
          f"{len(chunks) / ingest_seconds:.1f} chunks/s  (final status {final.status}, {final.chunk_count} chunks)")
    print(line("  embedding (embed_passages, batches of 32)", embed_seconds, f"{timed_embedder.watch.calls} calls"))
    print(line("  indexing (TenantVectors.insert)", index_seconds, f"{TimedVectors.watch.calls} calls"))
    print(line("  rest: fetch, extract+chunk, Postgres, lock", other_seconds))
    print(f"  extract+chunk alone, same bytes (pypdf + chunking): {extract_seconds:.2f} s")
    print(f"  baseline, same run: embed_passages of the same {len(chunks)} chunk texts alone: {baseline_seconds:.2f} s")
    print(f"  ingest / baseline embedding = {ingest_seconds / baseline_seconds:.2f}×")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb_ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the bench tenant (default: delete it)")
    parser.add_argument("--max-minutes", type=float, default=20.0)
    args = parser.parse_args(argv)
    if not 1 <= args.pages <= 1000:
        parser.error("--pages must be 1..1000")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
