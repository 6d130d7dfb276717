"""Model-server slots are leases: a killed holder's slots free within a lease, not after the longest
call a server may take, while a live holder keeps its slot as long as its call runs (issue 22: a
restarted worker did no AI work for 5-57 s because the dead process still held its slots)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from shared.infra.fairness import FairGate, ModelServerBusy, lane
from shared.infra.redis import make_redis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
LEASE = 1.5
HOLD = 60  # the longest call the server may take: what a dead holder used to keep its slot for

HOLDER = """
import asyncio, sys
from shared.infra.fairness import FairGate, lane
from shared.infra.redis import make_redis

async def main(server, lane_name, interactive):
    gate = FairGate(make_redis(), server, per_lane=1, hold_seconds={hold}, lease_seconds={lease})
    with lane(lane_name, interactive=interactive == "1"):
        async with gate.slot():
            print("held", flush=True)
            await asyncio.sleep(600)

asyncio.run(main(*sys.argv[1:]))
"""


def gate(server: str, *, wait: float) -> FairGate:
    return FairGate(make_redis(), server, per_lane=1, background_total=1, hold_seconds=HOLD, lease_seconds=LEASE,
                    wait_seconds=wait, interactive_wait_seconds=wait)


def killed_holder(server: str, lane_name: str, *, interactive: bool) -> None:
    """A process that takes the lane's slot and is SIGKILLed while holding it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(hold=HOLD, lease=LEASE), server, lane_name,
                               "1" if interactive else "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)


async def test_a_killed_holders_slot_is_free_within_a_lease():
    server, seller = f"test-lease-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    killed_holder(server, seller, interactive=False)
    started = time.monotonic()
    with lane(seller, interactive=False):
        async with gate(server, wait=20).slot():
            waited = time.monotonic() - started
    assert waited < LEASE + 1.0, f"the dead holder's slot stayed taken {waited:.1f} s"


async def test_a_killed_persons_call_stops_holding_background_work_back_within_a_lease():
    server = f"test-lease-{uuid.uuid4().hex[:8]}"
    killed_holder(server, str(uuid.uuid4()), interactive=True)
    started = time.monotonic()
    with lane(str(uuid.uuid4()), interactive=False):
        async with gate(server, wait=20).slot():
            waited = time.monotonic() - started
    assert waited < LEASE + 1.0, f"background work waited {waited:.1f} s for a dead person's call"


async def test_a_live_holder_keeps_its_slot_longer_than_a_lease():
    server, seller = f"test-lease-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    with lane(seller, interactive=False):
        async with gate(server, wait=1).slot():
            await asyncio.sleep(3 * LEASE)
            with pytest.raises(ModelServerBusy):
                async with gate(server, wait=0.5).slot():
                    pass
        async with gate(server, wait=0.5).slot():  # released at once when the call ends
            pass
