"""Presigned upload end to end: POST to MinIO → bucket notification → webhooks → worker ingests → ready.

MinIO's webhook targets are fixed when it starts (scripts/lib/services.sh start_minio): the BOKAITEST
target posts to MINIO_TEST_WEBHOOK_PORT, where this module serves the gateway. While it holds a file
lock (concurrent test runs share the stack), the test database's bucket points at that target.
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import uvicorn

from functions.auth.handler import app as auth_app
from functions.kb.handler import app as kb_app
from functions.webhooks.handler import app as webhooks_app
from shared.accounts.tables import Tenant
from shared.gateway.dispatcher import FunctionGateway
from shared.inbox.upload_processing import NOT_PAYING
from shared.infra.notifications import ensure_upload_notifications
from shared.infra.objects import ObjectStoreSettings, make_minio
from shared.settings import load
from shared.tenancy.db import tenant_tx
from tests.knowledge.documents import make_pdf
from tests.knowledge.test_kb_function import sign_up, wait_until_processed

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("MINIO_TEST_WEBHOOK_PORT", "18090"))
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def upload_worker(tmp_path_factory):
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "2",
         "--queues", "inbox", "knowledge"],
        cwd=ROOT, env={**os.environ, "WORKER_READY_FILE": str(tmp_path_factory.mktemp("w") / "ready")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield process
    process.terminate()
    process.wait(timeout=30)


@asynccontextmanager
async def bucket_notifications_to(target: str):
    settings = load(ObjectStoreSettings)
    client = make_minio(settings)
    assert await asyncio.to_thread(ensure_upload_notifications, client, settings.bucket, target), \
        f"MinIO lacks the {target} webhook target: scripts/stack restart minio"
    try:
        yield
    finally:
        # Back to the stack's target, so the next run holding the port gets only its own bucket's events.
        await asyncio.to_thread(ensure_upload_notifications, client, settings.bucket, "BOKAI")


@pytest.fixture(scope="module")
async def gateway(db_pool):
    with open(ROOT / ".state" / "run" / "minio-test-webhook.lock", "w") as lock:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        server = uvicorn.Server(uvicorn.Config(
            FunctionGateway({"auth": auth_app, "kb": kb_app, "webhooks": webhooks_app}),
            host="127.0.0.1", port=PORT, lifespan="on", log_level="warning"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), f"gateway could not bind 127.0.0.1:{PORT}"
            await asyncio.sleep(0.02)
        try:
            async with bucket_notifications_to("BOKAITEST"), \
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=60) as client:
                yield client
        finally:
            server.should_exit = True
            await task


async def test_presigned_upload_is_ingested_after_the_bucket_notification(gateway, upload_worker):
    seller = await sign_up(gateway, "Sklep Presigned")
    pdf = make_pdf(["Zwroty przyjmujemy w ciągu 30 dni od dostawy."])
    ticket = await gateway.post("/function/kb/uploads", headers=seller,
                                json={"filename": "Regulamin zwrotów.pdf", "sizeBytes": len(pdf)})
    assert ticket.status_code == 201, ticket.text
    document = ticket.json()["document"]
    assert document["status"] == "awaiting_upload" and ticket.json()["method"] == "POST"
    assert ticket.json()["fields"]["key"].endswith(f"/uploads/{document['id']}/Regulamin-zwrotow.pdf")

    async with httpx.AsyncClient() as s3:
        stored = await s3.post(ticket.json()["uploadUrl"], data=ticket.json()["fields"],
                               files={"file": ("Regulamin zwrotów.pdf", pdf, "application/pdf")})
        assert stored.status_code == 204, stored.text

    ready = await wait_until_processed(gateway, seller, document["id"])
    assert (ready["status"], ready["sizeBytes"], ready["chunkCount"]) == ("ready", len(pdf), 1)
    found = (await gateway.post("/function/kb/search", headers=seller, json={"query": "ile dni na zwrot"})).json()
    assert "30 dni" in found["hits"][0]["text"]


async def test_too_large_upload_fails_and_the_object_is_deleted(gateway, upload_worker):
    seller = await sign_up(gateway, "Sklep Za Duzy")
    declared_too_big = await gateway.post("/function/kb/uploads", headers=seller,
                                          json={"filename": "big.pdf", "sizeBytes": 26 * 1024 * 1024})
    assert declared_too_big.status_code == 413
    ticket = (await gateway.post("/function/kb/uploads", headers=seller, json={"filename": "big.txt"})).json()
    # MinIO refuses a POST over the limit (tests/hostile/test_uploads.py); an object that reaches the key
    # some other way (here: written with the owner's SDK) is still measured, failed and deleted.
    settings = load(ObjectStoreSettings)
    key = ticket["fields"]["key"]
    size = 25 * 1024 * 1024 + 1
    await asyncio.to_thread(make_minio(settings).put_object, settings.bucket, key, io.BytesIO(b"a" * size), size)
    failed = await wait_until_processed(gateway, seller, ticket["document"]["id"])
    assert failed["status"] == "failed" and failed["error"].startswith("file too large")
    with pytest.raises(Exception, match="NoSuchKey|does not exist"):
        await asyncio.to_thread(make_minio(settings).stat_object, settings.bucket, key)


async def test_notifications_need_the_token_and_ignore_foreign_objects(gateway):
    forged = await gateway.post("/function/webhooks/minio", json={"Records": []},
                                headers={"authorization": "Bearer guess"})
    token = (Path(os.environ["SECRETS_DIR"]) / "minio-webhook-token").read_text().strip()
    foreign = await gateway.post("/function/webhooks/minio", headers={"authorization": f"Bearer {token}"}, json={
        "EventName": "s3:ObjectCreated:Put", "Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {
            "bucket": {"name": "someone-elses"}, "object": {"key": "tenants%2Fx%2Fuploads%2Fy%2Fz", "size": 1}}}]})
    garbage = await gateway.post("/function/webhooks/minio", headers={"authorization": f"Bearer {token}"},
                                 content=b"{nope")
    assert [r.status_code for r in (forged, foreign, garbage)] == [401, 202, 400]


async def test_an_upload_that_arrives_after_the_subscription_lapsed_is_not_ingested_and_is_kept(gateway,
                                                                                               upload_worker):
    # docs/api.md 402: ingestion is refused to a seller who does not pay. The ticket was issued while the
    # seller paid; the file reaches MinIO after the subscription lapsed.
    seller = await sign_up(gateway, "Sklep Wygasly")
    pdf = make_pdf(["Wysyłka w 24 godziny."])
    ticket = (await gateway.post("/function/kb/uploads", headers=seller,
                                 json={"filename": "wysylka.pdf", "sizeBytes": len(pdf)})).json()
    key = ticket["fields"]["key"]
    tenant_id = key.split("/")[1]  # tenants/<seller>/uploads/<document>/<name>
    async with tenant_tx(UUID(tenant_id)):
        await Tenant.update({Tenant.subscription_status: "canceled"}).where(Tenant.id == tenant_id)
    async with httpx.AsyncClient() as s3:
        stored = await s3.post(ticket["uploadUrl"], data=ticket["fields"],
                               files={"file": ("wysylka.pdf", pdf, "application/pdf")})
        assert stored.status_code == 204, stored.text
    failed = await wait_until_processed(gateway, seller, ticket["document"]["id"])
    assert (failed["status"], failed["error"], failed["chunkCount"]) == ("failed", NOT_PAYING, 0), failed
    settings = load(ObjectStoreSettings)
    kept = await asyncio.to_thread(make_minio(settings).stat_object, settings.bucket, key)
    assert kept.size == len(pdf), "kept for a re-ingest after renewing"
