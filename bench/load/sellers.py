"""The simulated sellers: signed up, one generic signed-webhook channel, a small KB; their tokens; removal.

Two ways in, both through real code:

- ``api``: the first ``--api-sellers`` sign up exactly as a person does, through the run's gateway:
  ``POST /function/auth/register``, ``POST /function/channels/generic``, ``POST /function/kb/answers``
  (×3) and ``POST /function/kb/documents`` (the worker ingests it). Their times are reported.
- ``service``: the rest call the functions' own service code in this process —
  ``shared.auth.service.register``, ``shared.channels.service.create_generic_account``,
  ``shared.knowledge.service.add_document_bytes`` + ``shared.knowledge.ingestion.ingest_document``
  and ``shared.knowledge.answers.create_answer`` — with two costs bounded: the argon2 hash of the one
  bench password is computed once and reused (0.5 s of CPU per hash on this machine, ~8 min for
  1,000 sellers; every bench seller has the same password, so each stored hash is still valid), and
  the embeddings of the KB texts, identical for every seller, are computed once and cached in memory.

Every seller is written to ``<run dir>/sellers.json`` as soon as it exists, so ``--cleanup`` can
remove the sellers of a run that was interrupted.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from uuid import UUID

import httpx2

from bench.load.shop import CURATED_ANSWERS, POLICY, POLICY_TITLE

PASSWORD = "Zielona-Herbata-42"
CALLBACK_URL = "https://sklep.example.pl/bokai"
EMAIL_DOMAIN = "loadbench.example.pl"


@dataclass
class Seller:
    index: int
    email: str
    user_id: str
    tenant_id: str
    account_id: str
    webhook_secret: str
    via: str  # "api" | "service"
    access_token: str = ""


def seller_email(run_id: str, index: int) -> str:
    return f"s{index}-{run_id}@{EMAIL_DOMAIN}"


class CachingEmbedder:
    """The real embedder, each distinct text embedded once per run (every seller has the same KB)."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.settings = embedder.settings
        self._cache: dict[tuple[str, str], list[float]] = {}
        self._lock = asyncio.Lock()

    async def _cached(self, kind: str, texts: list[str], embed) -> list[list[float]]:
        async with self._lock:  # the first seller embeds, the others wait and reuse
            missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._cache]
            if missing:
                for text, vector in zip(missing, await embed(missing), strict=True):
                    self._cache[(kind, text)] = vector
        return [self._cache[(kind, t)] for t in texts]

    async def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return await self._cached("query", texts, self._embedder.embed_queries)

    async def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return await self._cached("passage", texts, self._embedder.embed_passages)

    async def close(self) -> None:
        await self._embedder.close()


class SellerFile:
    """``sellers.json`` of a run, rewritten after every new seller (small: ~300 bytes a seller)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sellers: list[Seller] = []

    def add(self, seller: Seller) -> None:
        self.sellers.append(seller)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps([{**asdict(s), "access_token": ""} for s in self.sellers]))
        tmp.replace(self.path)

    @staticmethod
    def read(path: Path) -> list[Seller]:
        return [Seller(**row) for row in json.loads(path.read_text())] if path.exists() else []


async def create_via_api(client: httpx2.AsyncClient, run_id: str, index: int) -> tuple[Seller, str]:
    """Sign-up, channel and KB through the gateway; returns the seller and its document id."""
    email = seller_email(run_id, index)
    registered = await client.post("/function/auth/register", json={
        "email": email, "password": PASSWORD, "companyName": f"Loadbench {run_id} {index}"})
    registered.raise_for_status()
    token = registered.json()["accessToken"]
    headers = {"Authorization": f"Bearer {token}"}
    me = (await client.get("/function/auth/me", headers=headers)).raise_for_status().json()
    channel = await client.post("/function/channels/generic", headers=headers,
                                json={"name": "Sklep WWW", "callbackUrl": CALLBACK_URL})
    channel.raise_for_status()
    for question, answer in CURATED_ANSWERS:
        (await client.post("/function/kb/answers", headers=headers,
                           json={"question": question, "answer": answer})).raise_for_status()
    upload = await client.post("/function/kb/documents", headers=headers, data={"title": POLICY_TITLE},
                               files={"file": ("regulamin.md", POLICY.encode(), "text/markdown")})
    upload.raise_for_status()
    seller = Seller(index, email, me["user"]["id"], me["tenant"]["id"], channel.json()["account"]["id"],
                    channel.json()["webhookSecret"], "api", token)
    return seller, upload.json()["id"]


async def wait_documents_ready(client: httpx2.AsyncClient, pending: list[tuple[Seller, str]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for seller, document_id in pending:
        while True:
            status = (await client.get(f"/function/kb/documents/{document_id}", headers={
                "Authorization": f"Bearer {seller.access_token}"})).json().get("status")
            if status == "ready":
                break
            if status == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"document of seller {seller.index} via the API: {status} after {timeout:.0f}s")
            await asyncio.sleep(0.3)


class ServiceSignup:
    """The ``service`` way in (see the module docstring), one instance per run."""

    def __init__(self, stores, redis) -> None:
        from shared.auth.settings import auth_settings

        self.stores = replace(stores, embedder=CachingEmbedder(stores.embedder))
        self.redis = redis
        self.settings = auth_settings()
        self._hash: str | None = None

    async def _reuse_hash(self) -> None:
        """From now on ``register`` stores the bench password's one argon2 hash (see module docstring)."""
        from shared.auth import service as auth_service
        from shared.auth.passwords import hash_password

        if self._hash is None:
            self._hash = await hash_password(PASSWORD)
            known = self._hash

            async def reused_hash(password: str) -> str:
                assert password == PASSWORD, "only bench sellers sign up in this process"
                return known

            auth_service.hash_password = reused_hash

    async def create(self, run_id: str, index: int) -> Seller:
        from shared.auth.queries import find_user_by_email
        from shared.auth.schemas import RegisterRequest
        from shared.auth.service import register
        from shared.channels.schemas import GenericAccountRequest
        from shared.channels.service import create_generic_account
        from shared.knowledge.answers import CuratedAnswerIn, create_answer
        from shared.knowledge.ingestion import ingest_document
        from shared.knowledge.service import add_document_bytes

        await self._reuse_hash()
        email = seller_email(run_id, index)
        pair = await register(self.redis, self.settings, RegisterRequest(
            email=email, password=PASSWORD, company_name=f"Loadbench {run_id} {index}"))
        tenant_id = pair.tenant.id
        user_id, _ = await find_user_by_email(email)
        channel = await create_generic_account(tenant_id, GenericAccountRequest(name="Sklep WWW", callback_url=CALLBACK_URL))
        document = await add_document_bytes(self.stores, tenant_id, user_id, "regulamin.md", POLICY.encode(),
                                            title=POLICY_TITLE)
        status = await ingest_document(self.stores, tenant_id, document.id)
        if status != "ready":
            raise RuntimeError(f"seller {index}: the KB document ended {status}")
        for question, answer in CURATED_ANSWERS:
            await create_answer(self.stores, tenant_id, user_id, CuratedAnswerIn(question=question, answer=answer))
        return Seller(index, email, str(user_id), str(tenant_id), str(channel.account.id), channel.webhook_secret,
                      "service", pair.access_token)


async def mint_access_tokens(sellers: list[Seller], redis, ttl_seconds: int) -> None:
    """A fresh session per seller, as sign-in opens one, with tokens valid for the whole run."""
    import msgspec

    from shared.auth.queries import user_tenant
    from shared.auth.service import open_session
    from shared.auth.settings import auth_settings
    from shared.tenancy.db import tenant_tx

    settings = msgspec.structs.replace(auth_settings(), access_ttl_seconds=ttl_seconds)
    for seller in sellers:
        async with tenant_tx(seller.tenant_id, user_id=seller.user_id):
            tenant = await user_tenant(UUID(seller.user_id), UUID(seller.tenant_id))
        seller.access_token = (await open_session(redis, settings, UUID(seller.user_id), tenant)).access_token


async def remove_sellers(sellers: list[Seller], stores, redis) -> None:
    """Everything a bench seller left: sessions, tenant keys, objects, Weaviate tenants, rows, the user."""
    from shared.accounts.tables import Tenant, User
    from shared.auth.sessions import end_user_sessions
    from shared.infra.vectors import CURATED_COLLECTION, KNOWLEDGE_COLLECTION
    from shared.knowledge import service
    from shared.tenancy.db import tenant_tx, user_tx
    from shared.tenancy.vector_activity import LAST_USE_KEY

    if not sellers:
        return
    tenant_ids = {s.tenant_id for s in sellers}
    for seller in sellers:
        await end_user_sessions(redis, seller.tenant_id, seller.user_id)
        page = await service.list_documents(UUID(seller.tenant_id), limit=100)
        for document in page.items:
            await service.delete_document(stores, UUID(seller.tenant_id), document.id)
        async with tenant_tx(seller.tenant_id):
            await Tenant.delete().where(Tenant.id == UUID(seller.tenant_id))
        async with user_tx(seller.user_id):
            await User.delete().where(User.id == UUID(seller.user_id))
    names = sorted(tenant_ids)
    for collection in (KNOWLEDGE_COLLECTION, CURATED_COLLECTION):
        existing = set(await stores.weaviate.collections.use(collection).tenants.get())
        gone = [n for n in names if n in existing]
        for start in range(0, len(gone), 100):
            await stores.weaviate.collections.use(collection).tenants.remove(gone[start:start + 100])
    stale = []
    async for key in redis.scan_iter(match="t:*", count=1000):
        if key.decode().split(":")[1] in tenant_ids:
            stale.append(key)
    for start in range(0, len(stale), 500):
        await redis.delete(*stale[start:start + 500])
    await redis.zrem(LAST_USE_KEY, *names)
