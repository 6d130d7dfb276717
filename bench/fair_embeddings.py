"""One seller flooding the embedding server with 20,000-character messages vs another seller's search.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.fair_embeddings [--searches 40] [--flooders 4] [--phase-seconds 90] [--rounds 1]

Seller B has a small ready knowledge base; B's search is the production ``service.search_knowledge``
in B's interactive lane, exactly as ``POST /kb/search`` runs it. B searches one question after
another in each phase:

1. **idle** — nothing else uses the embedding servers;
2. **after** — seller A's load through ``shared.infra.embeddings.Embedder`` as the worker now calls it
   (no lane declared: the shared background lane; texts bounded, calls gated), with the configured
   servers: A on ``EMBEDDINGS_BASE_URL``, B on ``EMBEDDINGS_INTERACTIVE_BASE_URL`` when set;
3. **one server** (only when ``EMBEDDINGS_INTERACTIVE_BASE_URL`` is set) — the same, but A and B on one
   server (the interactive one, which runs at normal CPU priority): what the gates alone achieve when
   a deployment runs a single server;
4. **before** — seller A's load as it was before issue 12: ``--flooders`` concurrent workers, each
   embedding a whole 20,000-character message per call straight through the OpenAI client (no bound,
   no slots, the old 30 s timeout), on the one server B also uses.

Seller A's load runs in its own process, as it would in the worker: its client-side work (polling its
slots, encoding 20k characters) does not share B's event loop.

Prints B's search p50/p99 per phase and the ratio to idle; a phase stops after ``--searches``
searches or ``--phase-seconds``. Both bench tenants are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import time
from dataclasses import dataclass

import msgspec

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
from shared.infra.embeddings import Embedder, EmbeddingSettings
from shared.infra.redis import close_redis, open_redis
from shared.knowledge import service
from shared.knowledge.stores import KnowledgeStores
from shared.settings import load
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


async def _flood(kind: str, url: str, flooders: int, stop, counts) -> None:  # noqa: ANN001 - multiprocessing proxies
    settings = load(EmbeddingSettings)
    if kind == "after":  # the production client, as the worker calls it (background lane), A's calls to `url`
        embedder = Embedder(msgspec.structs.replace(settings, base_url=url))
        call, close = (lambda: embedder.embed_queries([FLOOD_TEXT])), embedder.close
    else:  # "before": the pre-issue client, straight to the server
        client = AsyncOpenAI(base_url=url, api_key="x", timeout=30, max_retries=2)
        call, close = (lambda: client.embeddings.create(model=settings.query_model, input=[FLOOD_TEXT])), client.close

    async def one_caller() -> None:
        while not stop.is_set():
            try:
                await call()
                counts[0] += 1
            except Exception:  # noqa: BLE001 - the flood's own failures (busy, timeouts) are its problem
                counts[1] += 1
                await asyncio.sleep(0.05)

    callers = [asyncio.create_task(one_caller()) for _ in range(flooders)]
    while not stop.is_set():
        await asyncio.sleep(0.05)
    for task in callers:
        task.cancel()
    await asyncio.gather(*callers, return_exceptions=True)
    await close()


def _flood_process(kind: str, url: str, flooders: int, stop, counts) -> None:  # noqa: ANN001
    asyncio.run(_flood(kind, url, flooders, stop, counts))


async def _phase(stores, tenant_b, args, flood: tuple[str, str] | None,
                 rounds: int) -> tuple[list[float], list[int], list[str]]:
    """B's searches while seller A floods from its own process, as A's worker would (A's client-side
    work — polling its slots, encoding 20k characters — must not run on B's event loop)."""
    context = multiprocessing.get_context("spawn")
    stop, counts, failures = context.Event(), context.Array("i", 2), []
    flooder = context.Process(target=_flood_process, args=(*flood, args.flooders, stop, counts)) if flood else None
    if flooder:
        flooder.start()
        await asyncio.sleep(3.0)  # the process starts and the flood queues up first
    try:
        searches, seconds = -(-args.searches // rounds), args.phase_seconds / rounds
        return await _searches(stores, tenant_b, searches, seconds, failures), list(counts), failures
    finally:
        stop.set()
        if flooder:
            await asyncio.to_thread(flooder.join, 60)
            if flooder.is_alive():
                flooder.terminate()


async def main_async(args: argparse.Namespace) -> int:
    async with live_stores() as stores:
        await open_redis()
        tenant_a, tenant_b = await create_bench_tenant("flooder"), await create_bench_tenant("searcher")
        settings = stores.embedder.settings
        before_client = AsyncOpenAI(base_url=settings.base_url, api_key="x", timeout=30, max_retries=2)
        # One server for everything (the production code otherwise): the interactive one when there are
        # two, the one that does not run at a lower CPU priority (scripts/lib/services.sh).
        single_url = settings.interactive_base_url or settings.base_url
        one_server = dataclasses.replace(stores, embedder=Embedder(
            msgspec.structs.replace(settings, base_url=single_url, interactive_base_url="")))
        try:
            chunks = [Chunk(h, t) for h, t in PASSAGES]
            # Set-up embeds with the patient pre-issue client: the stack may be busy with others' work.
            vectors = [d.embedding for d in (await before_client.embeddings.create(
                model=stores.embedder.settings.passage_model, input=[f"{c.heading}\n{c.text}" for c in chunks])).data]
            await publish_document(stores, tenant_b, "faq.txt", "FAQ", chunks, vectors)
            await _searches(stores, tenant_b, 20, 60, failures=[])  # warm-up: connections, caches, the index

            phases = [("idle", stores, None), ("after", stores, ("after", settings.base_url))]
            if single_url != settings.base_url:
                phases.append(("one server", one_server, ("after", single_url)))
            # "before" last: its cancelled 20k calls keep the server busy long after the phase ends.
            phases.append(("before", one_server, ("before", single_url)))
            results: dict[str, tuple[list[float], list[int], list[str]]] = {}
            # --rounds N repeats the phases (each with 1/N of the searches and seconds) so that other
            # load on a shared machine falls on idle and flood phases alike; "before" only once, last.
            for round_number in range(args.rounds):
                for name, b_stores, call in phases:
                    if name == "before" and round_number < args.rounds - 1:
                        continue
                    rounds = 1 if name == "before" else args.rounds
                    samples, counts, failures = await _phase(b_stores, tenant_b, args, call, rounds)
                    pooled = results.setdefault(name, ([], [0, 0], []))
                    pooled[0].extend(samples)
                    pooled[1][:] = [a + b for a, b in zip(pooled[1], counts, strict=True)]
                    pooled[2].extend(failures)
                    await asyncio.sleep(2)  # the last flood call drains
            # The server computes calls whose callers gave up: wait for it, so the next run starts idle.
            drain_started = time.perf_counter()
            async with AsyncOpenAI(base_url=single_url, api_key="x", timeout=600, max_retries=0) as probe:
                await probe.embeddings.create(model=settings.query_model, input=["ok"])
            drained = time.perf_counter() - drain_started
            idle99, idle50 = percentile(results["idle"][0], 99), percentile(results["idle"][0], 50)
            print(f"seller B's search while seller A floods 20,000-character messages "
                  f"({args.flooders} concurrent A callers)")
            print(f"  after: A (background) → {settings.base_url}, B (interactive) → {single_url}; "
                  f"one server, before: both → {single_url}")
            for name, (samples, (done, refused), failures) in results.items():
                p50, p99 = percentile(samples, 50), percentile(samples, 99)
                print(f"  {name:10s} n={len(samples):3d}  p50 {ms(p50):>10s}  p99 {ms(p99):>10s}  "
                      f"×{p50 / idle50:.1f} p50  ×{p99 / idle99:.1f} p99 of idle  B failed {len(failures)} "
                      f"{sorted(set(failures)) or ''}  (A: {done} calls done, {refused} refused)")
            print(f"  after \"before\" ended, its abandoned calls kept {single_url} busy for {drained:.1f} s")
            return 0
        finally:
            await before_client.close()
            await one_server.embedder.close()
            for tenant in (tenant_a, tenant_b):
                await delete_bench_tenant(stores, tenant)
            await close_redis()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=40)
    parser.add_argument("--flooders", type=int, default=4)
    parser.add_argument("--phase-seconds", type=float, default=90)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=15)
    args = parser.parse_args()
    return run_bounded(lambda: main_async(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
