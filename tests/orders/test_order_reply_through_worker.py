"""Issue 24's main promise through the real worker: an Allegro thread about an order is synced, the live
class decides, the reply class fetches the order from the Allegro contract fake (real HTTP), the scripted
model quotes its parcel line, the verifier passes it, and the reply naming the carrier and its latest
tracking status is posted back into the Allegro thread, once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.ai.config import update_ai_config
from shared.ai.schemas import AiConfigPatch
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx
from tests.orders.test_order_replies import WAYBILL, order_thread, quoting_the_parcel
from tests.support import drop_leftover_jobs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def start_worker(folder: Path, log) -> subprocess.Popen:
    # os.environ already points at the fakes (ALLEGRO_API_URL, LLM_BASE_URL: the fixtures' monkeypatch).
    return subprocess.Popen([sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "4"],
                            cwd=ROOT, env={**os.environ, "WORKER_READY_FILE": str(folder / "ready"),
                                           "AI_QUIET_PERIOD_SECONDS": "1"},
                            stdout=log, stderr=subprocess.STDOUT)


async def test_an_allegro_order_question_is_answered_from_the_order_through_the_worker(
        tmp_path, gateway, allegro, orders, stores, scripted_model):
    scripted_model.answer("gdzie jest moja paczka", quoting_the_parcel)
    drop_leftover_jobs()
    # order_thread syncs the thread (the message is stored and its reply job staged in the outbox).
    tenant, _, _, message_id = await order_thread(gateway, allegro, orders, stores,
                                                  "Dzień dobry, gdzie jest moja paczka?")
    await update_ai_config(tenant, AiConfigPatch(autopilot_mode="auto"))
    order_reads_before = allegro.requests_to("GET", "/order/checkout-forms/")
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed with the worker
    worker = start_worker(tmp_path, log)
    try:
        deadline, reply = time.monotonic() + 120, None
        while time.monotonic() < deadline and not allegro.posted:
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a second post, were there one, would come now
        async with tenant_tx(tenant):
            reply = await Message.select().where(Message.in_reply_to_id == message_id).first().output(load_json=True)
    finally:
        worker.terminate()
        await asyncio.to_thread(worker.wait, 60)
        log.close()

    assert len(allegro.posted) == 1, (tmp_path / "worker.log").read_text()[-3000:]
    posted = allegro.posted[0].text
    assert "InPost" in posted and "czeka na odbiór" in posted and WAYBILL in posted
    assert allegro.requests_to("GET", "/order/checkout-forms/") > order_reads_before  # fetched by the reply class
    assert reply["status"] == "sent" and reply["meta"]["verification"]["passed"]
    assert any(c["type"] == "order" for c in reply["citations"])

