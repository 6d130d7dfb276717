"""One fault run: a fresh seller, N customer messages through the signed generic webhook sent by a
retrying client, the fault injected mid-batch, then waiting until every message has settled."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

import httpx

POLICY = """Regulamin sklepu Herbaciarnia

Wysyłka: paczkomat InPost kosztuje 12,99 zł, kurier DPD 16,99 zł. Od 200 zł wysyłka jest darmowa.
Zamówienia wysyłamy w ciągu 24 godzin w dni robocze.

Płatności: przelew, BLIK, karta lub za pobraniem (dopłata 5 zł).
"""
QUESTIONS = (
    "Ile kosztuje wysyłka do paczkomatu?",
    "Czy mogę zapłacić BLIKIEM za zamówienie?",
    "Kiedy wyślecie moje zamówienie, jeśli zamówię dziś?",
    "Od jakiej kwoty wysyłka jest darmowa?",
    "Ile kosztuje kurier DPD?",
    "Czy jest płatność za pobraniem i ile kosztuje?",
)
SECRET = "faults-webhook-secret"
# The seller's own answers to half the questions: sent as written, without the model, so replies reach
# the receiver whatever the local model's qualification (an unqualified model's replies are drafts).
CURATED = {
    QUESTIONS[0]: "Wysyłka do paczkomatu InPost kosztuje 12,99 zł, a od 200 zł jest darmowa.",
    QUESTIONS[3]: "Wysyłka jest darmowa od 200 zł.",
    QUESTIONS[4]: "Kurier DPD kosztuje 16,99 zł.",
}


@dataclass
class Outcome:
    fault: str
    sent: int = 0
    accepted: int = 0
    stored_once: int = 0
    stored_more: int = 0
    outcomes: Counter = field(default_factory=Counter)
    stuck: list[str] = field(default_factory=list)
    send_attempts: int = 0
    resent_same_reply: int = 0
    duplicate_deliveries: int = 0
    settle_seconds: float = 0.0
    restarts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Workers the liveness probe would have restarted (their file older than 2 minutes), and the
    # oldest the file got: an outage must restart nothing.
    liveness_kills: int = 0
    liveness_max_age: float = 0.0
    # Seconds from the fault's end to the first and the last reply the callback received after it.
    deliveries_after_fault: tuple[float, float] | None = None

    @property
    def passed(self) -> bool:
        return (self.accepted == self.sent and self.stored_once == self.sent and self.stored_more == 0
                and not self.stuck and self.duplicate_deliveries == 0 and self.liveness_kills == 0)


async def new_seller(label: str, callback_url: str, *, curated: bool = True) -> tuple[UUID, UUID]:
    """A seller with autopilot on, a generic channel to the recording callback and a policy document."""
    from shared.accounts.tables import Tenant
    from shared.ai.config import update_ai_config
    from shared.ai.schemas import AiConfigPatch
    from shared.channels.credentials import CredentialCipher
    from shared.channels.tables import ChannelAccount
    from shared.knowledge.answers import CuratedAnswerIn, create_answer
    from shared.knowledge.service import add_document_bytes
    from shared.knowledge.stores import KnowledgeStores
    from shared.tenancy.db import tenant_tx

    tenant_id, account_id = uuid.uuid4(), uuid.uuid4()
    async with tenant_tx(tenant_id):
        await Tenant.insert(Tenant(id=tenant_id, name=f"Herbaciarnia {label}", slug=f"faults-{label}-{tenant_id.hex[:6]}"))
        await ChannelAccount.insert(ChannelAccount(
            id=account_id, tenant_id=tenant_id, platform="generic", status="connected",
            external_account_id=f"shop-{account_id.hex[:8]}",
            settings={"callbackUrl": callback_url, "deliveryProbe": True},
            credentials_encrypted=CredentialCipher().encrypt(tenant_id, account_id, {"webhookSecret": SECRET})))
    await update_ai_config(tenant_id, AiConfigPatch(autopilot_mode="auto", max_tokens=50))
    stores = await KnowledgeStores.open()
    try:
        document = await add_document_bytes(stores, tenant_id, None, "regulamin.md", POLICY.encode(),
                                            title="Regulamin", ingest=True)
        for question, answer in (CURATED if curated else {}).items():
            await create_answer(stores, tenant_id, None, CuratedAnswerIn(question=question, answer=answer))
    finally:
        await stores.close()
    return tenant_id, document.id


async def wait_ingested(tenant_id: UUID, document_id: UUID, timeout: float = 120) -> None:
    from shared.knowledge.service import get_document

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = await get_document(tenant_id, document_id)
        if document is not None and document.status in ("ready", "failed"):
            if document.status == "failed":
                raise RuntimeError(f"policy document failed to ingest: {document.error}")
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("policy document not ingested in time")


async def send_with_retries(client: httpx.AsyncClient, path: str, body: bytes, deadline: float) -> tuple[bool, int]:
    """What a well-behaved sender does: retry until a 2xx (new signature each time) or give up."""
    from shared.http.signatures import sign

    attempts, pause = 0, 0.5
    while time.monotonic() < deadline:
        attempts += 1
        timestamp = int(time.time())
        try:
            response = await client.post(path, content=body, headers={
                "content-type": "application/json", "x-bokai-timestamp": str(timestamp),
                "x-bokai-signature": sign(SECRET, timestamp, body)})
            if 200 <= response.status_code < 300:
                return True, attempts
        except httpx.TransportError:
            pass
        await asyncio.sleep(pause)
        pause = min(pause * 2, 4.0)
    return False, attempts


_STATE = """
SELECT m.platform_message_id AS ref, count(*) OVER (PARTITION BY m.platform_message_id) AS copies,
       r.status AS reply_status, r.delivery_error, c.status AS conversation_status, c.handoff_reason
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
  LEFT JOIN LATERAL (SELECT status, delivery_error FROM messages r
                      WHERE r.in_reply_to_id = m.id AND r.direction = 'outbound'
                      ORDER BY r.created_at DESC LIMIT 1) r ON true
 WHERE m.direction = 'inbound' AND m.platform_message_id = ANY($1::text[])
"""


def classify(row) -> str | None:
    """The settled outcome of one customer message, or None while it is still in flight."""
    status, error = row["reply_status"], row["delivery_error"] or ""
    if status == "sent":
        return "answered"
    if status == "failed":
        return "uncertain (seller told)" if error.startswith("Delivery uncertain") else "dead letter (seller told)"
    if row["conversation_status"] == "waiting_for_human":
        return f"handed off: {row['handoff_reason'] or '?'}"
    if status == "draft":
        return "draft for the seller"
    if row["conversation_status"] == "resolved":
        return "closed"
    return None


async def message_states(tenant_id: UUID, refs: list[str]) -> list:
    from shared.tenancy.db import tenant_tx, tx_connection

    async with tenant_tx(tenant_id):
        return await tx_connection().fetch(_STATE, refs)


async def settle(tenant_id: UUID, refs: list[str], timeout: float) -> tuple[list, float]:
    started = time.monotonic()
    rows: list = []
    while time.monotonic() - started < timeout:
        try:
            rows = await message_states(tenant_id, refs)
        except Exception:  # noqa: BLE001 — Postgres may be the fault being recovered from
            await asyncio.sleep(1)
            continue
        stored = {r["ref"] for r in rows}
        if stored == set(refs) and all(classify(r) for r in rows):
            return rows, time.monotonic() - started
        await asyncio.sleep(0.5)
    return rows, time.monotonic() - started


def deliveries_by_reply(receiver, conversation_refs: set[str]) -> tuple[int, int]:
    """(POSTs re-sending a reply already accepted — absorbed by its idempotency key,
        customer messages that got more than one distinct reply — true duplicates)."""
    accepted_per_conversation: Counter = Counter()
    accepted_keys: set[str] = set()
    resent = 0
    for call in receiver.calls:
        if call.method != "POST" or not call.body or call.body.get("conversationId") not in conversation_refs:
            continue
        if call.idempotency_key in accepted_keys:
            resent += 1  # the same reply again after the receiver had taken it (answered 503 don't count)
        elif call.accepted:
            accepted_keys.add(call.idempotency_key)
            accepted_per_conversation[call.body["conversationId"]] += 1
    return resent, sum(1 for n in accepted_per_conversation.values() if n > 1)


def message_body(ref: str, conversation: str, text: str) -> bytes:
    return json.dumps({"messageId": ref, "conversationId": conversation, "text": text,
                       "sentAt": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                       "customer": {"name": "Klient Testowy"}}).encode()
