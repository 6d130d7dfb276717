"""The kb function end to end: upload through the gateway → real worker ingests → Polish search finds it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from functions.auth.handler import app as auth_app
from functions.kb.handler import app as kb_app
from shared.gateway.dispatcher import FunctionGateway
from shared.knowledge.similarity import embedding_model_id, similarity_thresholds
from tests.knowledge.documents import make_pdf
from tests.knowledge.test_ingestion import POLICY_PAGES
from tests.support import serve

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Zielona-Herbata-42"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def knowledge_worker(tmp_path_factory):
    ready = tmp_path_factory.mktemp("worker") / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "2",
         "--queues", "knowledge"],
        cwd=ROOT, env={**os.environ, "WORKER_READY_FILE": str(ready)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
async def gateway():
    async with serve(FunctionGateway({"auth": auth_app, "kb": kb_app}), timeout=60) as client:
        yield client


async def sign_up(gateway, company: str) -> dict[str, str]:
    response = await gateway.post("/function/auth/register", json={
        "email": f"kb-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": company})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def wait_until_processed(gateway, headers, document_id: str, timeout: float = 90) -> dict:
    for _ in range(int(timeout / 0.5)):
        document = (await gateway.get(f"/function/kb/documents/{document_id}", headers=headers)).json()
        if document["status"] in ("ready", "failed"):
            return document
        await asyncio.sleep(0.5)
    raise AssertionError(f"document still {document['status']} after {timeout}s")


async def test_seller_uploads_return_policy_and_finds_the_paragraph(gateway, knowledge_worker):
    seller = await sign_up(gateway, "Domowe Dobra")
    pdf = make_pdf([p.format(days=14) for p in POLICY_PAGES])
    upload = await gateway.post("/function/kb/documents", headers=seller,
                                files={"file": ("Regulamin zwrotów.pdf", pdf, "application/pdf")},
                                data={"title": "Regulamin zwrotów"})
    assert upload.status_code == 202, upload.text
    assert upload.json()["status"] == "pending"

    document = await wait_until_processed(gateway, seller, upload.json()["id"])
    assert (document["status"], document["chunkCount"], document["progressPercent"]) == ("ready", 4, 100)

    found = await gateway.post("/function/kb/search", headers=seller,
                               json={"query": "Ile mam dni na zwrot towaru?", "k": 3})
    assert found.status_code == 200, found.text
    top = found.json()["hits"][0]
    assert "14 dni" in top["text"] and top["documentTitle"] == "Regulamin zwrotów" and top["page"] == 2

    listed = (await gateway.get("/function/kb/documents", headers=seller)).json()
    assert [d["id"] for d in listed["items"]] == [document["id"]]


async def test_other_seller_cannot_list_fetch_search_or_delete(gateway, knowledge_worker):
    owner, stranger = await sign_up(gateway, "Sklep A"), await sign_up(gateway, "Sklep B")
    data = make_pdf(["Zwroty przyjmujemy w ciągu 21 dni."])
    upload = await gateway.post("/function/kb/documents", headers=owner, files={"file": ("z.pdf", data)})
    document_id = upload.json()["id"]
    await wait_until_processed(gateway, owner, document_id)

    assert (await gateway.get(f"/function/kb/documents/{document_id}", headers=stranger)).status_code == 404
    assert (await gateway.delete(f"/function/kb/documents/{document_id}", headers=stranger)).status_code == 404
    assert (await gateway.post(f"/function/kb/documents/{document_id}/reingest",
                               headers=stranger)).status_code == 404
    assert (await gateway.get("/function/kb/documents", headers=stranger)).json()["items"] == []
    hits = (await gateway.post("/function/kb/search", headers=stranger, json={"query": "zwroty 21 dni"})).json()
    assert hits["hits"] == []
    assert (await gateway.get(f"/function/kb/documents/{document_id}", headers=owner)).status_code == 200


async def test_bad_uploads_get_clear_4xx(gateway):
    seller = await sign_up(gateway, "Sklep C")
    empty = await gateway.post("/function/kb/documents", headers=seller, files={"file": ("a.pdf", b"")})
    no_file = await gateway.post("/function/kb/documents", headers=seller, data={"title": "x"},
                                 files={"other": ("a.txt", b"abc")})
    not_multipart = await gateway.post("/function/kb/documents", headers=seller, json={"file": "x"})
    too_big = await gateway.post("/function/kb/documents", headers=seller,
                                 files={"file": ("big.txt", b"a" * (25 * 1024 * 1024 + 10))})
    anonymous = await gateway.post("/function/kb/documents", files={"file": ("a.txt", b"abc")})
    first = await gateway.post("/function/kb/documents", headers=seller, files={"file": ("f.txt", b"FAQ 1")})
    duplicate = await gateway.post("/function/kb/documents", headers=seller, files={"file": ("g.txt", b"FAQ 1")})
    bad_query = await gateway.post("/function/kb/search", headers=seller, json={"query": "   "})
    bad_json = await gateway.post("/function/kb/search", headers={**seller, "content-type": "application/json"},
                                  content=b"{not json")

    assert [r.status_code for r in (empty, no_file, not_multipart)] == [400, 400, 400]
    assert too_big.status_code == 413 and "MB" in too_big.json()["detail"]
    assert anonymous.status_code == 401
    assert first.status_code == 202
    assert duplicate.status_code == 409 and duplicate.json()["errors"]["existingDocumentId"] == first.json()["id"]
    assert bad_query.status_code == 400 and bad_json.status_code == 400
    for response in (empty, no_file, not_multipart, too_big, duplicate, bad_query, bad_json):
        assert response.json()["detail"]


async def test_curated_answers_through_the_api(gateway):
    seller, stranger = await sign_up(gateway, "Sklep QA"), await sign_up(gateway, "Sklep Obcy")
    created = await gateway.post("/function/kb/answers", headers=seller, json={
        "question": "Czy wystawiacie faktury VAT?", "answer": "Tak, fakturę wysyłamy mailem po nadaniu paczki."})
    assert created.status_code == 201, created.text
    answer_id = created.json()["id"]
    match = (await gateway.post("/function/kb/answers/match", headers=seller,
                                json={"query": "Dzień dobry, czy wystawiacie faktury VAT?"})).json()["match"]
    assert match["answerId"] == answer_id
    assert match["similarity"] >= similarity_thresholds(embedding_model_id()).curated
    assert (await gateway.post("/function/kb/answers/match", headers=stranger,
                               json={"query": "Czy wystawiacie faktury VAT?"})).json() == {"match": None}
    assert (await gateway.patch(f"/function/kb/answers/{answer_id}", headers=stranger,
                                json={"answer": "x"})).status_code == 404
    assert (await gateway.delete(f"/function/kb/answers/{answer_id}", headers=stranger)).status_code == 404
    bad = await gateway.post("/function/kb/answers", headers=seller, json={"question": "?", "answer": "a"})
    assert bad.status_code == 400 and "question" in bad.json()["detail"]
    assert (await gateway.delete(f"/function/kb/answers/{answer_id}", headers=seller)).status_code == 204
