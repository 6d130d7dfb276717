"""Upload abuse: hostile file names never orphan an object or come back unsanitised, and the sweeper
removes objects no document row points to (issue 12)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import httpx
import pytest

from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.sweeper import sweep_tenant
from shared.tenancy.db import tenant_tx, tx_connection

pytestmark = pytest.mark.integration

KB = "/function/kb"


@pytest.fixture(scope="module")
async def stores(db_pool):
    opened = await KnowledgeStores.open()
    yield opened
    await opened.close()


def multipart(filename: bytes, content: bytes, title: bytes | None = None) -> tuple[bytes, dict[str, str]]:
    """Built by hand: HTTP clients refuse (or escape) the control characters an attacker sends raw."""
    boundary = uuid.uuid4().hex
    parts = [b"--" + boundary.encode(), b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"',
             b"Content-Type: text/plain", b"", content]
    if title is not None:
        parts += [b"--" + boundary.encode(), b'Content-Disposition: form-data; name="title"', b"", title]
    parts.append(b"--" + boundary.encode() + b"--")
    return b"\r\n".join(parts) + b"\r\n", {"content-type": f"multipart/form-data; boundary={boundary}"}


async def object_names(stores, tenant_id) -> list[str]:
    return [o.name for o in await stores.objects(tenant_id).list("documents")]


async def document_ids(tenant_id) -> set[str]:
    async with tenant_tx(tenant_id):
        return {str(r["id"]) for r in await tx_connection().fetch("SELECT id FROM knowledge_documents")}


async def every_object_has_a_row(stores, tenant_id) -> None:
    ids = await document_ids(tenant_id)
    orphans = [n for n in await object_names(stores, tenant_id) if n.split("/")[1] not in ids]
    assert orphans == []


@pytest.mark.parametrize(("raw_name", "shown"), [
    (b"Regulamin\x00.txt", "Regulamin .txt"),
    (b"../../etc/passwd", "passwd"),
    (b"..\\..\\windows\\win.ini", "win.ini"),
    ("faktura\u202etxt.exe".encode(), "faktura txt.exe"),
    ("Cennik\u200b\u2028\U000e0041\xad 2026.txt".encode(), "Cennik 2026.txt"),
    ("Cennik Łódź 2026.txt".encode(), "Cennik Łódź 2026.txt"),
])
async def test_hostile_file_names_are_stored_sanitised_and_never_orphan(gateway, seller, stores, raw_name, shown):
    body, headers = multipart(raw_name, f"Zwroty w 14 dni. {uuid.uuid4()}".encode())
    response = await gateway.post(f"{KB}/documents", content=body, headers={**seller.headers, **headers})
    assert response.status_code == 202, response.text
    assert response.json()["filename"] == shown
    listed = (await gateway.get(f"{KB}/documents/{response.json()['id']}", headers=seller.headers)).json()
    assert listed["filename"] == shown
    await every_object_has_a_row(stores, seller.tenant_id)


async def test_nul_in_the_title_is_removed(gateway, seller, stores):
    body, headers = multipart(b"cennik.txt", f"Cennik {uuid.uuid4()}".encode(), title=b"Cen\x00nik")
    response = await gateway.post(f"{KB}/documents", content=body, headers={**seller.headers, **headers})
    assert response.status_code == 202, response.text
    assert response.json()["title"] == "Cen nik"
    await every_object_has_a_row(stores, seller.tenant_id)


async def test_presigned_upload_names_are_sanitised(gateway, seller):
    response = await gateway.post(f"{KB}/uploads", headers=seller.headers,
                                  json={"filename": "../../etc/shadow.pdf", "title": "Tytuł\u202e"})
    assert response.status_code == 201, response.text
    document = response.json()["document"]
    assert document["filename"] == "shadow.pdf" and document["title"] == "Tytuł"


async def test_a_presigned_upload_over_the_limit_or_to_another_key_is_refused_by_minio(gateway, seller, stores):
    """The ticket is a signed POST policy naming one key and 1 byte to 25 MB: MinIO itself refuses the rest
    (a presigned PUT bounded nothing: 30 MB were stored and only measured afterwards)."""
    ticket = await gateway.post(f"{KB}/uploads", headers=seller.headers, json={"filename": "cennik.txt"})
    assert ticket.status_code == 201, ticket.text
    upload = ticket.json()
    assert (upload["method"], upload["maxBytes"]) == ("POST", 25 * 1024 * 1024)
    key = upload["fields"]["key"]
    assert key == f"tenants/{seller.tenant_id}/uploads/{upload['document']['id']}/cennik.txt"
    async with httpx.AsyncClient(timeout=120) as s3:
        too_large = await s3.post(upload["uploadUrl"], data=upload["fields"],
                                  files={"file": ("cennik.txt", b"a" * (30 * 1024 * 1024), "text/plain")})
        elsewhere = await s3.post(upload["uploadUrl"], data={**upload["fields"], "key": key.replace("cennik", "inny")},
                                  files={"file": ("cennik.txt", b"Cennik", "text/plain")})
        empty = await s3.post(upload["uploadUrl"], data=upload["fields"], files={"file": ("cennik.txt", b"", "text/plain")})
        assert [o.name for o in await stores.objects(seller.tenant_id).list("uploads")
                if upload["document"]["id"] in o.name] == []
        at_the_limit = await s3.post(upload["uploadUrl"], data=upload["fields"],
                                     files={"file": ("cennik.txt", b"a" * (25 * 1024 * 1024), "text/plain")})
    assert (too_large.status_code, elsewhere.status_code, empty.status_code) == (400, 403, 400)
    assert "EntityTooLarge" in too_large.text and "EntityTooSmall" in empty.text
    assert at_the_limit.status_code == 204, at_the_limit.text
    stored = [o for o in await stores.objects(seller.tenant_id).list("uploads") if upload["document"]["id"] in o.name]
    assert [(o.name, o.size) for o in stored] == [(f"uploads/{upload['document']['id']}/cennik.txt", 25 * 1024 * 1024)]
    await stores.objects(seller.tenant_id).delete(stored[0].name)


async def test_sweeper_deletes_old_orphans_only(stores, seller):
    objects = stores.objects(seller.tenant_id)
    orphan = f"documents/{uuid.uuid4()}/lost.txt"
    not_a_document = "uploads/not-a-uuid/junk.bin"
    await objects.put(orphan, io.BytesIO(b"nobody points here"), length=18)
    await objects.put(not_a_document, io.BytesIO(b"junk"), length=4)
    kept = await object_names(stores, seller.tenant_id)
    # Within the grace period nothing is touched: its row may still be on the way.
    assert await sweep_tenant(stores, seller.tenant_id, grace=timedelta(hours=1)) == []
    assert await sweep_tenant(stores, seller.tenant_id, grace=timedelta(0), dry_run=True) == [orphan, not_a_document]
    assert orphan in await object_names(stores, seller.tenant_id)

    assert await sweep_tenant(stores, seller.tenant_id, grace=timedelta(0)) == [orphan, not_a_document]
    assert orphan not in await object_names(stores, seller.tenant_id)
    assert [o.name for o in await objects.list("uploads") if o.name == not_a_document] == []
    # Every object with a row survived.
    assert set(await object_names(stores, seller.tenant_id)) == {n for n in kept if n != orphan}


async def test_sweeper_never_reaches_into_another_tenant(stores, seller, other_seller):
    theirs = f"documents/{uuid.uuid4()}/theirs.txt"
    await stores.objects(other_seller.tenant_id).put(theirs, io.BytesIO(b"x"), length=1)
    await sweep_tenant(stores, seller.tenant_id, grace=timedelta(0))
    assert theirs in await object_names(stores, other_seller.tenant_id)
    await stores.objects(other_seller.tenant_id).delete(theirs)
