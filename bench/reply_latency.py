"""How late is a reply? Webhook 202 → draft in the inbox, minus the LLM's own time, as deployed.

    scripts/stack up; set -a; source .state/env; set +a
    .venv/bin/python -m bench.reply_latency [--questions 20] [--fragments 3]

A fresh seller (draft mode) with a small shop policy and a generic channel; customer messages go
through the signed webhook of the running stack (gateway → of-watchdog → webhooks function), the
stack's own worker takes them from there (inbox → replies seam → AI agent). For each message:
latency = reply row created_at − the moment the webhook answered 202, minus the LLM's latency as
the agent logged it (usage_logs.latency_ms of that conversation). Complete questions are answered
at once; fragments ("Dzień dobry") wait the quiet period (AI_QUIET_PERIOD_SECONDS of the worker,
30 s by default) — the old design made every message wait it. Baseline, in the same command: the
same questions answered by calling the agent in this process (`handle_customer_message`), minus the
LLM — what the pipeline costs without webhook, queue and scheduling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import datetime, timezone

import httpx

from bench._common import create_bench_tenant, delete_bench_tenant, live_stores, percentile, run_bounded
from bench.load.shop import POLICY  # the same shop policy the load test's sellers have
from shared.ai.agent import handle_customer_message
from shared.ai.tables import UsageLog
from shared.channels.schemas import GenericAccountRequest
from shared.channels.service import create_generic_account
from shared.channels.inbound import InboundMessage, record_inbound_message
from shared.conversations.tables import Conversation, Message
from shared.http.signatures import sign
from shared.knowledge.ingestion import ingest_document
from shared.knowledge.service import add_document_bytes
from shared.tenancy.db import tenant_tx

QUESTIONS = [
    "Ile kosztuje wysyłka do paczkomatu?", "Czy zwrot przez paczkomat jest darmowy?",
    "Do której godziny muszę zamówić, żeby paczka wyszła dziś?", "Czy mogę zapłacić przy odbiorze?",
    "Ile mam dni na zwrot towaru?", "Czy wystawiacie faktury VAT?", "Od jakiej kwoty dostawa jest darmowa?",
    "Jakie formy płatności przyjmujecie?", "Ile kosztuje kurier?", "Czy można zapłacić BLIKiem?",
]
FRAGMENTS = ["Dzień dobry", "mam pytanie", "Witam serdecznie"]


async def _reply_created(tenant_id, conversation_ref: str, timeout: float) -> tuple[datetime, int] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with tenant_tx(tenant_id):
            conversation = await Conversation.select(Conversation.id, Conversation.status).where(
                Conversation.platform_conversation_id == conversation_ref).first()
            reply = conversation and await Message.select(Message.created_at).where(
                (Message.conversation_id == conversation["id"]) & (Message.direction == "outbound")).first()
            handed_off = conversation and conversation["status"] == "waiting_for_human"
            if reply or handed_off:
                llm = await UsageLog.select(UsageLog.latency_ms).where(UsageLog.conversation_id == conversation["id"])
                decided = reply["created_at"] if reply else datetime.now(timezone.utc)
                return decided, sum(row["latency_ms"] for row in llm)
        await asyncio.sleep(0.05)
    return None


async def _post(client: httpx.AsyncClient, tenant_id, account_id, secret: str, text: str) -> tuple[str, datetime]:
    conversation = uuid.uuid4().hex
    body = json.dumps({"messageId": uuid.uuid4().hex, "conversationId": conversation, "text": text,
                       "sentAt": datetime.now(timezone.utc).isoformat(), "customer": {"name": "Klient"}}).encode()
    timestamp = int(time.time())
    response = await client.post(f"/function/webhooks/channels/{tenant_id}/{account_id}/messages", content=body,
                                 headers={"content-type": "application/json", "X-BokAI-Timestamp": str(timestamp),
                                          "X-BokAI-Signature": sign(secret, timestamp, body)})
    response.raise_for_status()
    return conversation, datetime.now(timezone.utc)


async def run(questions: int, fragments: int) -> int:
    gateway = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"
    async with live_stores() as stores:
        tenant_id = await create_bench_tenant("reply-latency")
        try:
            document = await add_document_bytes(stores, tenant_id, None, "regulamin.md", POLICY.encode(), title="Regulamin")
            assert await ingest_document(stores, tenant_id, document.id) == "ready"
            account = await create_generic_account(tenant_id, GenericAccountRequest(
                name="Bench shop", callback_url="https://sklep.example.pl/bokai"))
            texts = [(QUESTIONS[i % len(QUESTIONS)], "question") for i in range(questions)]
            texts += [(f, "fragment") for f in FRAGMENTS[:fragments]]
            samples: dict[str, list[float]] = {"question": [], "fragment": []}
            async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
                for text, kind in texts:  # one at a time: latency, not throughput
                    conversation, accepted_at = await _post(client, tenant_id, account.account.id,
                                                            account.webhook_secret, text)
                    result = await _reply_created(tenant_id, conversation, timeout=120)
                    if result is None:
                        print(f"no decision within 120 s for {text!r}")
                        return 1
                    decided_at, llm_ms = result
                    samples[kind].append((decided_at - accepted_at).total_seconds() * 1000 - llm_ms)
            baseline = []
            for text, kind in texts:
                if kind != "question":
                    continue
                recorded = await record_inbound_message(tenant_id, InboundMessage(
                    platform="generic", conversation_ref=uuid.uuid4().hex, message_ref=uuid.uuid4().hex, text=text,
                    sent_at=datetime.now(timezone.utc), channel_account_id=account.account.id, customer_name="Klient"))
                started = time.perf_counter()
                await handle_customer_message(stores, tenant_id, recorded.message_id)
                async with tenant_tx(tenant_id):
                    llm = await UsageLog.select(UsageLog.latency_ms).where(
                        UsageLog.conversation_id == recorded.conversation_id)
                baseline.append((time.perf_counter() - started) * 1000 - sum(r["latency_ms"] for r in llm))
        finally:
            await delete_bench_tenant(stores, tenant_id)
    print(f"{'path':46s} {'n':>3s} {'p50 ms':>9s} {'p99 ms':>9s}")
    for label, values in (("webhook 202 → reply, complete question", samples["question"]),
                          ("webhook 202 → reply, fragment (waits)", samples["fragment"]),
                          ("baseline: agent in-process (same questions)", baseline)):
        if values:
            print(f"{label:46s} {len(values):3d} {percentile(values, 50):9.0f} {percentile(values, 99):9.0f}")
    if samples["question"] and baseline:
        print(f"ratio webhook→reply / in-process agent (p50): "
              f"{percentile(samples['question'], 50) / percentile(baseline, 50):.2f}×  (LLM decode excluded in both)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reply_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--fragments", type=int, default=3)
    args = parser.parse_args()
    return run_bounded(lambda: run(args.questions, args.fragments), minutes=15)


if __name__ == "__main__":
    raise SystemExit(main())
