"""Conversation test helpers: a generic channel pointed at a fake endpoint, customer messages, a worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shared.channels.credentials import CredentialCipher
from shared.channels.tables import ChannelAccount
from shared.channels.inbound import InboundMessage, record_inbound_message
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sklep-webhook-secret-1"


async def generic_channel(tenant_id: uuid.UUID, callback_url: str, *, probe: bool = False) -> uuid.UUID:
    account_id = uuid.uuid4()
    settings = {"callbackUrl": callback_url, **({"deliveryProbe": True} if probe else {})}
    async with tenant_tx(tenant_id):
        await ChannelAccount.insert(ChannelAccount(
            id=account_id, tenant_id=tenant_id, platform="generic", external_account_id=f"shop-{account_id.hex[:8]}",
            status="connected", settings=settings,
            credentials_encrypted=CredentialCipher().encrypt(tenant_id, account_id, {"webhookSecret": SECRET})))
    return account_id


async def customer_writes(tenant_id: uuid.UUID, account_id: uuid.UUID | None, text: str, *,
                          thread: str = "chat-1", customer: str = "Anna Kowalska",
                          minutes_ago: int = 0) -> tuple[uuid.UUID, uuid.UUID]:
    """(conversation id, message id) of a new customer message on the generic channel."""
    recorded = await record_inbound_message(tenant_id, InboundMessage(
        platform="generic", conversation_ref=thread, message_ref=f"in-{uuid.uuid4().hex[:10]}", text=text,
        sent_at=datetime.now(timezone.utc) - timedelta(minutes=minutes_ago), channel_account_id=account_id,
        customer_name=customer))
    return recorded.conversation_id, recorded.message_id


async def reply_row(tenant_id: uuid.UUID, reply_id: uuid.UUID) -> dict:
    async with tenant_tx(tenant_id):
        return await Message.select().where(Message.id == reply_id).first()


async def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


class ReplyWorker:
    """A real `dramatiq shared.worker` on the replies queue, in its own process group (killable)."""

    def __init__(self, tmp_path: Path, namespace: str) -> None:
        self.ready = tmp_path / f"ready-{uuid.uuid4().hex[:6]}"
        self.env = {**os.environ, "WORKER_READY_FILE": str(self.ready), "REDIS_BROKER_NAMESPACE": namespace,
                    "GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS": "true", "REPLIES_DELIVERY_BACKOFF_BASE_MS": "300",
                    "REPLIES_DELIVERY_MAX_RETRIES": "3"}
        self.process: subprocess.Popen | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "2",
             "--queues", "replies"], cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        async def booted():
            return self.ready.exists()
        await wait_for(booted, timeout=60)

    def kill(self) -> None:
        """SIGKILL the whole group: the dramatiq parent and its worker child die at once, mid-call."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the dramatiq parent stops its worker processes itself
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
