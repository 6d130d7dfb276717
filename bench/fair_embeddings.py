"""One seller flooding the embedding server with 20,000-character messages vs another seller's search.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.fair_embeddings [--searches 40] [--flooders 4] [--phase-seconds 90]

Seller B has a small ready knowledge base; B's search is the production ``service.search_knowledge``
in B's interactive lane, exactly as ``POST /kb/search`` runs it. Three phases, B searching one
question after another in each:

1. **idle** — nothing else uses the embedding server;
2. **before** — seller A's load as it was before issue 12: ``--flooders`` concurrent workers, each
   embedding a whole 20,000-character message per call straight through the OpenAI client (no bound,
   no slots, the old 30 s timeout);
3. **after** — the same load through ``shared.infra.embeddings.Embedder`` as the worker now calls it
   (no lane declared: the shared background lane; texts bounded, calls gated).

Prints B's search p50/p99 per phase and the ratio to idle; a phase stops after ``--searches``
searches or ``--phase-seconds``. Both bench tenants are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from openai import AsyncOpenAI

from bench._common import (
    create_bench_tenant,
    delete_bench_tenant,
    live_stores,
    ms,
    percentile,
    publish_document,
    run_bounded,
)
from shared.infra.embeddings import Embedder
from shared.infra.redis import close_redis, open_redis
from shared.knowledge import service
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.fairness import tenant_lane

QUESTIONS = ["Ile mam dni na zwrot towaru?", "Jaki jest koszt wysyłki za granicę?",
             "Czy mogę zapłacić przy odbiorze?", "Jak złożyć reklamację uszkodzonej paczki?",
             "Kiedy wyślecie moje zamówienie?"]
PASSAGES = [("Zwroty", "Towar można zwrócić w ciągu 14 dni od otrzymania przesyłki."),
            ("Wysyłka", "Wysyłka za granicę kosztuje 39 zł, w Polsce 12 zł."),
            ("Płatności", "Przyjmujemy BLIK, przelew i płatność przy odbiorze."),
            ("Reklamacje", "Reklamację uszkodzonej paczki zgłoś w ciągu 7 dni z protokołem szkody."),
            ("Realizacja", "Zamówienia wysyłamy w ciągu 24 godzin w dni robocze.")]
FLOOD_TEXT = ("Dzień dobry, piszę w sprawie zamówienia i opisuję całą historię od początku. " * 300)[:20_000]


@dataclass
class Chunk:
    heading: str
    text: str


async def _searches(stores: KnowledgeStores, tenant_id, count: int, seconds: float,
                    failures: list[str] | None = None) -> list[float]:
    """Latency of each search; a failed search (timeout, busy) counts with the time it took to fail."""
    samples: list[float] = []
    deadline = time.monotonic() + seconds
    while len(samples) < count and time.monotonic() < deadline:
        question = QUESTIONS[len(samples) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            with tenant_lane(tenant_id, interactive=True):
                await service.search_knowledge(stores, tenant_id, question, 3)
        except Exception as problem:  # noqa: BLE001 - what the seller would see as an error
            if failures is None:
                raise
            failures.append(type(problem).__name__)
        samples.append(time.perf_counter() - started)
    return samples


async def _flood(call, stop: asyncio.Event, counter: list[int]) -> None:
    while not stop.is_set():
        try:
            await call()
            counter[0] += 1
        except Exception:  # noqa: BLE001 - the flood's own failures (busy, timeouts) are its problem
            counter[1] += 1
            await asyncio.sleep(0.05)


async def _phase(stores, tenant_b, args, flood_call) -> tuple[list[float], list[int], list[str]]:
    stop, counter, failures = asyncio.Event(), [0, 0], []
    flooders = [asyncio.create_task(_flood(flood_call, stop, counter)) for _ in range(args.flooders)] if flood_call else []
    await asyncio.sleep(1.0 if flood_call else 0)  # let the flood queue up first
    try:
        return await _searches(stores, tenant_b, args.searches, args.phase_seconds, failures), counter, failures
    finally:
        stop.set()
        for task in flooders:
            task.cancel()
        await asyncio.gather(*flooders, return_exceptions=True)


async def main_async(args: argparse.Namespace) -> int:
    async with live_stores() as stores:
        await open_redis()
        tenant_a, tenant_b = await create_bench_tenant("flooder"), await create_bench_tenant("searcher")
        before_client = AsyncOpenAI(base_url=stores.embedder.settings.base_url, api_key="x", timeout=30, max_retries=2)
        after_embedder = Embedder()
        try:
            chunks = [Chunk(h, t) for h, t in PASSAGES]
            # Set-up embeds with the patient pre-issue client: the stack may be busy with others' work.
            vectors = [d.embedding for d in (await before_client.embeddings.create(
                model=stores.embedder.settings.passage_model, input=[f"{c.heading}\n{c.text}" for c in chunks])).data]
            await publish_document(stores, tenant_b, "faq.txt", "FAQ", chunks, vectors)
            await _searches(stores, tenant_b, 5, 30, failures=[])  # warm-up

            async def before() -> None:
                await before_client.embeddings.create(model=stores.embedder.settings.query_model, input=[FLOOD_TEXT])

            async def after() -> None:
                await after_embedder.embed_queries([FLOOD_TEXT])

            results = {}
            # "before" last: its cancelled 20k calls keep the server busy long after the phase ends.
            for name, call in (("idle", None), ("after", after), ("before", before)):
                results[name] = await _phase(stores, tenant_b, args, call)
                await asyncio.sleep(2)  # the last flood call drains
            idle99, idle50 = percentile(results["idle"][0], 99), percentile(results["idle"][0], 50)
            print(f"seller B's search while seller A floods 20,000-character messages "
                  f"({args.flooders} concurrent A callers)")
            for name, (samples, (done, refused), failures) in results.items():
                p50, p99 = percentile(samples, 50), percentile(samples, 99)
                print(f"  {name:7s} n={len(samples):3d}  p50 {ms(p50):>10s}  p99 {ms(p99):>10s}  "
                      f"×{p50 / idle50:.1f} p50  ×{p99 / idle99:.1f} p99 of idle  B failed {len(failures)} "
                      f"{sorted(set(failures)) or ''}  (A: {done} calls done, {refused} refused)")
            return 0
        finally:
            await before_client.close()
            await after_embedder.close()
            for tenant in (tenant_a, tenant_b):
                await delete_bench_tenant(stores, tenant)
            await close_redis()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=40)
    parser.add_argument("--flooders", type=int, default=4)
    parser.add_argument("--phase-seconds", type=float, default=90)
    parser.add_argument("--max-minutes", type=float, default=10)
    args = parser.parse_args()
    return run_bounded(lambda: main_async(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
