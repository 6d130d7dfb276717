"""Event test helpers: a real worker on the events and replies queues, endpoints, the delivery log."""

from __future__ import annotations

import subprocess
import sys
import uuid

from shared.events import service
from shared.events.schemas import EVENT_TYPES, EndpointCreate
from shared.tenancy.db import tenant_tx, tx_connection
from tests.conversations.support import ROOT, ReplyWorker, wait_for
from tests.tenancy.seed import seed_tenant

# Local runs: the test's receivers listen on loopback.
LOCAL = {"EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS": "true", "EVENTS_WEBHOOK_BACKOFF_BASE_MS": "400",
         "EVENTS_WEBHOOK_BACKOFF_MAX_MS": "2000", "EVENTS_WEBHOOK_MAX_RETRIES": "40"}


class EventWorker(ReplyWorker):
    """`dramatiq shared.worker` consuming the events and replies queues, in its own process group."""

    def __init__(self, tmp_path, namespace: str, **env: str) -> None:
        super().__init__(tmp_path, namespace)
        self.env.update(LOCAL, **env)

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "4",
             "--queues", "events", "replies"], cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        async def booted():
            return self.ready.exists()
        await wait_for(booted, timeout=60)


async def add_endpoint(tenant_id: uuid.UUID, url: str, event_types=EVENT_TYPES) -> tuple[uuid.UUID, str]:
    """(endpoint id, signing secret), created by the service the API calls."""
    created = await service.create_endpoint(tenant_id, EndpointCreate(url=url, event_types=list(event_types)))
    return created.endpoint.id, created.signing_secret


async def deliveries(tenant_id: uuid.UUID, **filters) -> list:
    return (await service.list_deliveries(tenant_id, limit=200, **filters)).items


async def fresh_seller(label: str):
    """A seeded seller (tests.tenancy.seed) without the seed's own endpoint, delivery and handoff."""
    seller = await seed_tenant(f"{label}-{uuid.uuid4().hex[:6]}")
    async with tenant_tx(seller.tenant_id):
        await tx_connection().execute("DELETE FROM event_endpoints")
        await tx_connection().execute("DELETE FROM handoff_log")
    return seller
