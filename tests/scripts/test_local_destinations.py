"""Local means local (issue 23): the local stack's env lets reply callbacks and event webhooks reach a
receiver on this machine over plain http, and says so; production settings and a test database's env
keep refusing them."""

from __future__ import annotations

import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shared.channels.generic.sender import GenericChannelSettings, GenericSender
from shared.channels.senders import OutboundReply, PermanentDeliveryError
from shared.events.delivery import deliver
from shared.events.emit import stage_event
from shared.events.settings import EventWebhookSettings
from shared.events.service import InvalidRequest
from shared.settings import load
from shared.tenancy.db import tenant_tx
from tests.conversations.support import SECRET, generic_channel
from tests.events.receiver import EventReceiver, listening
from tests.events.support import add_endpoint, fresh_seller
from tests.fakes.generic_receiver import GenericReceiver
from tests.support import serve
from tests.tenancy.seed import seed_tenant

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ONLY = ("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS")


def written_envs(state_dir: Path) -> tuple[dict[str, str], dict[str, str], str]:
    """What scripts/lib/app.sh writes for the local stack and for a test database, and its start-up line."""
    script = ("source scripts/lib/common.sh; source scripts/lib/install.sh; source scripts/lib/services.sh; "
              "source scripts/lib/app.sh; write_env bokai; write_env bokai_t bokai_t 1; warn_local_destinations")
    said = subprocess.run(["bash", "-c", script], cwd=ROOT, env={"PATH": "/usr/bin:/bin", "HOME": str(state_dir),
                          "BOKAI_STATE_DIR": str(state_dir)}, capture_output=True, text=True, timeout=60, check=True)

    def parse(path: Path) -> dict[str, str]:
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return parse(state_dir / "env"), parse(state_dir / "env.bokai_t"), said.stdout


def test_only_the_local_stack_env_allows_local_receivers_and_start_up_says_so(tmp_path):
    local, test_db, said = written_envs(tmp_path)
    assert [local.get(name) for name in LOCAL_ONLY] == ["true", "true"]
    assert not set(LOCAL_ONLY) & set(test_db), "a test database's env keeps production rules"
    [warning] = [line for line in said.splitlines() if "warning:" in line]
    assert "plain http" in warning and "production refuses them" in warning and all(n in warning for n in LOCAL_ONLY)


def test_production_settings_refuse_local_receivers(monkeypatch):
    for name in LOCAL_ONLY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRETS_DIR", "/nonexistent")
    assert load(GenericChannelSettings).allow_private_callbacks is False
    assert load(EventWebhookSettings).allow_private_urls is False
    deployed = [ROOT / "stack.yml", *sorted((ROOT / "deploy").rglob("*.yaml")), ROOT / "Dockerfile.fn"]
    assert not [str(f) for f in deployed if any(name in f.read_text() for name in LOCAL_ONLY)]


def local_stack_env(tmp_path, monkeypatch, *, local: bool) -> None:
    """This process's settings as the local stack's env sets them (``local``) or as production's."""
    env, _, _ = written_envs(tmp_path)
    for name in LOCAL_ONLY:
        monkeypatch.setenv(name, env[name]) if local else monkeypatch.delenv(name, raising=False)


def reply_to(tenant_id: uuid.UUID, account_id: uuid.UUID) -> OutboundReply:
    return OutboundReply(tenant_id=tenant_id, message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
                         channel_account_id=account_id, platform="generic", platform_conversation_id="chat-1",
                         text="Paczka wyszła dziś.", idempotency_key=uuid.uuid4().hex,
                         claimed_at=datetime.now(timezone.utc))


@pytest.mark.integration
@pytest.mark.usefixtures("db_pool")
@pytest.mark.parametrize("local", [True, False], ids=["local stack", "production"])
async def test_a_reply_reaches_a_receiver_on_this_machine_only_on_the_local_stack(tmp_path, monkeypatch, local):
    local_stack_env(tmp_path, monkeypatch, local=local)
    shop = GenericReceiver(SECRET.encode())
    async with serve(shop) as client:
        seller = await seed_tenant(f"local-{uuid.uuid4().hex[:6]}")
        account = await generic_channel(seller.tenant_id, f"{client.base_url}/bokai/replies")
        if local:
            receipt = await GenericSender().send(reply_to(seller.tenant_id, account))
            assert receipt.platform_message_id
            assert [c.body["text"] for c in shop.calls if c.method == "POST"] == ["Paczka wyszła dziś."]
        else:
            with pytest.raises(PermanentDeliveryError, match="https"):
                await GenericSender().send(reply_to(seller.tenant_id, account))
            assert shop.calls == []


@pytest.mark.integration
@pytest.mark.usefixtures("db_pool")
async def test_an_event_reaches_a_receiver_on_this_machine_only_on_the_local_stack(tmp_path, monkeypatch):
    seller = await fresh_seller("local-ev")
    receiver = EventReceiver()
    local_stack_env(tmp_path, monkeypatch, local=False)
    with pytest.raises(InvalidRequest, match="https"):
        await add_endpoint(seller.tenant_id, receiver.url)
    local_stack_env(tmp_path, monkeypatch, local=True)
    async with listening(receiver):
        _, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url, ["channel.broken"])
        async with tenant_tx(seller.tenant_id):
            [job] = await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})
        assert await deliver(seller.tenant_id, job.args[1]) == "delivered"
    assert [c.signature_valid for c in receiver.calls] == [True]
