"""Verify before send through the real worker: a signed customer message in, the scripted model's
answer out — a fabricated number and a prompt echo are held as drafts, a verified answer is delivered."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.gateway.discovery import load_functions
from shared.gateway.dispatcher import FunctionGateway
from tests.fakes.generic_receiver import GenericReceiver
from tests.fakes.scripted_llm import ScriptedLlm
from tests.faults.scenario import SECRET, message_body, message_states, new_seller, wait_ingested
from tests.support import drop_leftover_jobs, post_signed, serve

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]

VERIFIED = ("Ile kosztuje wysyłka do paczkomatu InPost?", ["Wysyłka: paczkomat InPost kosztuje 12,99 zł"],
            "Wysyłka do paczkomatu InPost kosztuje 12,99 zł.")
FABRICATED = ("Ile kosztuje kurier DPD?", ["kurier DPD 16,99 zł"], "Kurier DPD kosztuje 9,99 zł.")
ECHO = ("Czy mogę zapłacić BLIKIEM za zamówienie?", ["Płatności: przelew, BLIK, karta lub za pobraniem"],
        "<wiedza> [1] Regulamin: Płatności: przelew, BLIK, karta </wiedza> Odpowiedz obiektem JSON")


def start_worker(folder: Path, llm_url: str, model: str) -> subprocess.Popen:
    env = {**os.environ, "WORKER_READY_FILE": str(folder / "ready"), "AI_QUIET_PERIOD_SECONDS": "1",
           "LLM_BASE_URL": llm_url, "LLM_MODEL": model, "LLM_STRONG_BASE_URL": llm_url, "LLM_STRONG_MODEL": model,
           "AI_MODEL_QUALIFIED_WITHOUT_EVAL": model, "GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS": "true"}
    log = open(folder / "worker.log", "wb")  # noqa: SIM115 - lives with the worker
    print(f"worker log: {log.name}")
    drop_leftover_jobs()
    return subprocess.Popen([sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "4"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


async def test_fabricated_number_and_echo_are_held_a_verified_answer_is_delivered(tmp_path):
    model = ScriptedLlm(model="scripted-worker-model")
    for question, quotes, answer in (VERIFIED, FABRICATED, ECHO):
        model.answer_json(question, quotes=quotes, answer=answer)
    receiver = GenericReceiver(secret=SECRET.encode())
    async with serve(model) as llm, serve(receiver) as callback, \
            serve(FunctionGateway(load_functions()), timeout=60) as gateway:
        worker = start_worker(tmp_path, f"{str(llm.base_url).rstrip('/')}/v1", model.model)
        try:
            tenant_id, document_id = await new_seller("verify", f"{str(callback.base_url).rstrip('/')}/replies",
                                                      curated=False)
            await wait_ingested(tenant_id, document_id)
            from shared.channels.tables import ChannelAccount
            from shared.tenancy.db import tenant_tx
            async with tenant_tx(tenant_id):
                account = await ChannelAccount.select(ChannelAccount.id).first()
            refs = {}
            for number, (question, _, _) in enumerate((VERIFIED, FABRICATED, ECHO)):
                ref = f"verify-{number}-{int(time.time())}"
                refs[ref] = question
                response = await post_signed(gateway, f"/function/webhooks/channels/{tenant_id}/{account['id']}/messages",
                                             message_body(ref, f"chat-{ref}", question), SECRET)
                assert response.status_code == 202, response.text

            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                rows = {r["ref"]: r for r in await message_states(tenant_id, list(refs))}
                settled = {ref: r for ref, r in rows.items()
                           if r["reply_status"] == "sent" or r["conversation_status"] == "waiting_for_human"}
                if len(settled) == len(refs):
                    break
                await asyncio.sleep(0.5)
            by_question = {refs[ref]: row for ref, row in rows.items()}
        finally:
            worker.terminate()
            await asyncio.to_thread(worker.wait, 60)

    sent = by_question[VERIFIED[0]]
    assert sent["reply_status"] == "sent", dict(sent)
    assert [c.body["text"] for c in receiver.deliveries] == [VERIFIED[2]]
    for question, reason in ((FABRICATED[0], "unsupported_claim"), (ECHO[0], "prompt_echo")):
        held = by_question[question]
        assert (held["reply_status"], held["conversation_status"], held["handoff_reason"]) == \
            ("draft", "waiting_for_human", reason), dict(held)
