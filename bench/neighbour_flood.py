"""A neighbour's flood (issue 21): does seller B wait behind seller A importing its catalogue?

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.neighbour_flood                       # A: 20 docs × 190 KB + 50 messages × 20,000 chars
    .venv/bin/python -m bench.neighbour_flood --docs 6 --messages 20 # shorter

Two sellers sign up through the gateway (generic signed-webhook channel, the shop's policy document).
B's first message and document are measured apart (a fresh deployment's one-time costs); then idle,
then while A uploads ``--docs`` documents of ``--doc-kb`` KB and its customers send ``--messages``
messages of ``--message-chars`` characters, B's customers send ``--b-messages``
messages and B uploads a one-line document. Printed: B's latencies idle and under the flood — a
message *stored* (webhook 202 → the inbound row), *decided* (202 → the AI's draft/reply or a hand-off
written), the document *searchable* (upload → status ready and found by ``POST /kb/search``) — and
A's completion: every message stored exactly once and decided, every document ready, none twice.

Runs against its own deployment by default (bench.load's: the functions under of-watchdog, the
gateway, one worker per priority class, the stub LLM answering in ``--stub-delay-ms``; the stack's
Postgres, Redis, Weaviate and embedding servers; a broker namespace of its own), or ``--deployment
stack`` (the running stack as it is, its LLM included). Both sellers are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx2

from bench.load.shop import CUSTOMER_QUESTIONS
from shared.http.signatures import signed_headers

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("zamówienie przesyłka paczkomat zwrot reklamacja faktura płatność kurier dostawa gwarancja produkt "
         "rozmiar kolor magazyn termin realizacja rabat kod koszyk konto regulamin odbiór osobisty sklep "
         "kategoria opis cena promocja wysyłka tygodnie dni robocze").split()

STORED_SQL = """
SELECT c.platform_conversation_id AS ref, count(m.id) AS copies, min(m.created_at) AS stored_at
  FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.direction = 'inbound'
 WHERE c.platform_conversation_id = ANY($1::text[])
 GROUP BY 1
"""


def catalogue_text(kb: int, seed: int) -> str:
    rng = random.Random(seed)
    lines, size = [f"# Katalog, część {seed}"], 0
    while size < kb * 1024:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24))).capitalize() + "."
        lines.append(line if rng.random() > 0.1 else f"\n## Sekcja {len(lines)}\n{line}")
        size += len(line.encode()) + 1
    return "\n".join(lines)


def long_message(chars: int, seed: int) -> str:
    rng = random.Random(seed)
    text = CUSTOMER_QUESTIONS[seed % len(CUSTOMER_QUESTIONS)] + " "
    while len(text) < chars:
        text += " ".join(rng.choice(WORDS) for _ in range(20)) + ". "
    return text[:chars]


class Seller:
    def __init__(self, seller, client: httpx2.AsyncClient) -> None:
        self.s, self.client = seller, client
        self.headers = {"Authorization": f"Bearer {seller.access_token}"}

    async def message(self, ref: str, text: str) -> float:
        body = json.dumps({"messageId": ref, "conversationId": ref, "text": text, "customer": {"name": "Klient"},
                           "sentAt": datetime.now(timezone.utc).isoformat()}).encode()
        response = await self.client.post(
            f"/function/webhooks/channels/{self.s.tenant_id}/{self.s.account_id}/messages", content=body,
            headers={"content-type": "application/json", **signed_headers(self.s.webhook_secret, body)})
        if response.status_code != 202:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")
        return time.time()

    async def upload(self, title: str, text: str) -> tuple[str, float]:
        response = await self.client.post("/function/kb/documents", headers=self.headers, data={"title": title},
                                          files={"file": (f"{title}.md", text.encode(), "text/markdown")})
        response.raise_for_status()
        return response.json()["id"], time.time()

    async def document_status(self, document_id: str) -> str:
        response = await self.client.get(f"/function/kb/documents/{document_id}", headers=self.headers)
        return response.json().get("status", "?")

    async def finds(self, query: str, word: str) -> bool:
        response = await self.client.post("/function/kb/search", headers=self.headers, json={"query": query})
        return response.status_code == 200 and any(word in hit["text"] for hit in response.json().get("hits", []))


async def stored_and_decided(tenant_id: str, refs: list[str]) -> dict[str, dict]:
    from bench.load.outcomes import DECISIONS_SQL, _decision
    from shared.tenancy.db import tenant_tx, tx_connection

    async with tenant_tx(tenant_id):
        stored = await tx_connection().fetch(STORED_SQL, refs)
        decided = await tx_connection().fetch(DECISIONS_SQL, refs)
    result = {r["ref"]: {"copies": r["copies"], "stored_at": r["stored_at"].timestamp()} for r in stored}
    for row in decided:
        if (decision := _decision(row)) and row["ref"] in result:
            result[row["ref"]]["decided_at"], result[row["ref"]]["decision"] = decision[1], decision[0]
    return result


async def measure_b(b: Seller, label: str, count: int, timeout: float) -> dict:
    """B's ``count`` messages (one every 0.5 s) and one one-line document; their latencies."""
    word = f"neighbour{uuid.uuid4().hex[:8]}"
    document_id, uploaded = await b.upload(f"faq-{label}", f"Kod rabatowy {word} daje 5 % zniżki na wszystko.")
    sent: dict[str, float] = {}
    for i in range(count):
        ref = f"nf-b-{label}-{uuid.uuid4().hex[:8]}-{i}"
        sent[ref] = await b.message(ref, CUSTOMER_QUESTIONS[i % len(CUSTOMER_QUESTIONS)])
        await asyncio.sleep(0.5)
    searchable = None
    deadline = time.time() + timeout
    rows: dict[str, dict] = {}
    while time.time() < deadline:
        if searchable is None and await b.document_status(document_id) == "ready" and await b.finds(
                "kod rabatowy zniżka", word):
            searchable = time.time() - uploaded
        rows = await stored_and_decided(b.s.tenant_id, list(sent))
        if searchable is not None and len(rows) == count and all("decided_at" in r for r in rows.values()):
            break
        await asyncio.sleep(0.25)
    return {"stored": [rows[r]["stored_at"] - t for r, t in sent.items() if r in rows],
            "decided": [rows[r]["decided_at"] - t for r, t in sent.items() if "decided_at" in rows.get(r, {})],
            "searchable": searchable, "sent": count, "timeout": timeout}


def p(values: list[float], q: float) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]:.2f} s"


def print_b(label: str, result: dict) -> None:
    stored, decided = result["stored"], result["decided"]
    missing = result["sent"] - len(decided)
    print(f"  B {label:<12} stored p50 {p(stored, .5)} p99 {p(stored, .99)} max {p(stored, 1)}  |  "
          f"decided p50 {p(decided, .5)} p99 {p(decided, .99)} max {p(decided, 1)}"
          + (f" ({missing} of {result['sent']} not decided within {result['timeout']:.0f} s)" if missing else "")
          + f"  |  one-line document searchable after "
          + (f"{result['searchable']:.1f} s" if result["searchable"] is not None else f"> {result['timeout']:.0f} s"))


async def flood(a: Seller, docs: int, kb: int, messages: int, chars: int) -> tuple[list[str], dict[str, float], float]:
    started = time.time()
    texts = [catalogue_text(kb, i) for i in range(docs)]
    refs = [f"nf-a-{uuid.uuid4().hex[:8]}-{i}" for i in range(messages)]
    gate = asyncio.Semaphore(8)

    async def upload(i: int) -> str:
        async with gate:
            return (await a.upload(f"katalog-{i}", texts[i]))[0]

    async def send(ref: str, i: int) -> tuple[str, float]:
        async with gate:
            return ref, await a.message(ref, long_message(chars, i))

    uploads = asyncio.gather(*(upload(i) for i in range(docs)))
    sends = asyncio.gather(*(send(ref, i) for i, ref in enumerate(refs)))
    document_ids, sent = await asyncio.gather(uploads, sends)
    return list(document_ids), dict(sent), time.time() - started


async def a_completion(a: Seller, document_ids: list[str], sent: dict[str, float], timeout: float,
                       started: float) -> None:
    deadline = time.time() + timeout
    statuses: dict[str, str] = {}
    rows: dict[str, dict] = {}
    while time.time() < deadline:
        statuses = {d: await a.document_status(d) for d in document_ids}
        rows = await stored_and_decided(a.s.tenant_id, list(sent))
        docs_done = all(s in ("ready", "failed") for s in statuses.values())
        if docs_done and len(rows) == len(sent) and all("decided_at" in r for r in rows.values()):
            break
        print(f"\r  A: {sum(s == 'ready' for s in statuses.values())}/{len(document_ids)} documents ready, "
              f"{sum('decided_at' in r for r in rows.values())}/{len(sent)} messages decided "
              f"({time.time() - started:.0f} s)", end="", file=sys.stderr, flush=True)
        await asyncio.sleep(2)
    print(file=sys.stderr)
    ready = sum(s == "ready" for s in statuses.values())
    stored_once = sum(1 for r in rows.values() if r["copies"] == 1)
    twice = sum(1 for r in rows.values() if r["copies"] > 1)
    decided = [r["decided_at"] - sent[ref] for ref, r in rows.items() if "decided_at" in r]
    kinds: dict[str, int] = {}
    for r in rows.values():
        if "decision" in r:
            kinds[r["decision"]] = kinds.get(r["decision"], 0) + 1
    complete = (ready + sum(s == "failed" for s in statuses.values()) == len(document_ids)
                and len(decided) == len(sent))
    print(f"  A documents ready {ready}/{len(document_ids)} (failed {sum(s == 'failed' for s in statuses.values())}, "
          f"other {len(document_ids) - ready - sum(s == 'failed' for s in statuses.values())})")
    print(f"  A messages stored exactly once {stored_once}/{len(sent)}, more than once {twice}, "
          f"not stored {len(sent) - len(rows)}; decided {len(decided)}/{len(sent)} ({kinds}); "
          f"decided p50 {p(decided, .5)}, last {p(decided, 1)}")
    print(f"  A {'everything done' if complete else 'NOT complete (see --drain)'} "
          f"{time.time() - started:.0f} s after the flood began")


async def run(args: argparse.Namespace) -> int:
    from bench.load.deployment import drop_namespace, own_deployment, stack_deployment
    from bench.load.sellers import create_via_api, mint_access_tokens, remove_sellers, wait_documents_ready
    from shared.infra.postgres import close_pool, open_pool
    from shared.infra.redis import make_redis
    from shared.knowledge.stores import KnowledgeStores

    run_id = uuid.uuid4().hex[:8]
    run_dir = ROOT / ".state" / "bench" / f"neighbour-flood-{run_id}"
    run_dir.mkdir(parents=True, exist_ok=True)
    namespace = f"bokai-nflood-{run_id}"
    if args.deployment == "own":
        deployment = await asyncio.to_thread(own_deployment, run_dir, namespace, llm=args.llm,
                                             stub_delay_ms=args.stub_delay_ms, worker_processes=1, worker_threads=None)
    else:
        deployment = stack_deployment()
    print(f"deployment: {deployment.kind} ({deployment.base_url}); AI replies by {deployment.llm}")
    await open_pool()
    created = []
    try:
        async with httpx2.AsyncClient(base_url=deployment.base_url, timeout=120) as client:
            pending = [await create_via_api(client, run_id, i) for i in range(2)]
            created = [seller for seller, _ in pending]
            await wait_documents_ready(client, pending, 180)
            # Sign-up's token lasts 15 min: past it every document looked "not ready" (401) to a long drain.
            redis = make_redis()
            try:
                await mint_access_tokens(created, redis, ttl_seconds=int(3 * args.b_timeout + args.drain + 900))
            finally:
                await redis.aclose()
            a, b = (Seller(seller, client) for seller in created)
            print(f"sellers A and B ready; flood: {args.docs} documents × {args.doc_kb} KB, "
                  f"{args.messages} messages × {args.message_chars:,} characters")
            # A fresh deployment's first message per worker process pays one-time costs (its database
            # connections' first queries, the first search); a long-running deployment has paid them.
            # One message of B's first, printed apart, so "idle" is what a customer meets every day.
            cold = await measure_b(b, "first", 1, args.b_timeout)
            idle = await measure_b(b, "idle", args.b_messages, args.b_timeout)
            started = time.time()
            flooding = asyncio.create_task(flood(a, args.docs, args.doc_kb, args.messages, args.message_chars))
            await asyncio.sleep(args.b_after)  # the flood is in the queues
            under = await measure_b(b, "under flood", args.b_messages, args.b_timeout)
            document_ids, sent, accepted_in = await flooding
            print(f"\nA's flood accepted in {accepted_in:.1f} s (every upload 202, every message 202)")
            print_b("first (cold)", cold)
            print_b("idle", idle)
            print_b("under flood", under)
            await a_completion(a, document_ids, sent, args.drain, started)
    finally:
        if created:
            stores = await KnowledgeStores.open()
            redis = make_redis()
            try:
                await remove_sellers(created, stores, redis)
            finally:
                await stores.close()
                await redis.aclose()
        await close_pool()
        if args.deployment == "own":
            await asyncio.to_thread(deployment.stop)
            drop_namespace(namespace)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.neighbour_flood", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deployment", choices=("own", "stack"), default="own")
    parser.add_argument("--llm", choices=("stub", "local"), default="stub")
    parser.add_argument("--stub-delay-ms", type=float, default=300)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--doc-kb", type=int, default=190)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--message-chars", type=int, default=20_000)
    parser.add_argument("--b-messages", type=int, default=5, help="B's messages per phase (one every 0.5 s)")
    parser.add_argument("--b-after", type=float, default=5.0, help="seconds into the flood B starts")
    parser.add_argument("--b-timeout", type=float, default=120.0)
    parser.add_argument("--drain", type=float, default=1800.0, help="how long to wait for A's completion")
    args = parser.parse_args(argv)
    if args.deployment == "stack" and args.llm == "stub":
        parser.error("--deployment stack answers with the stack's worker and LLM: add --llm local")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
