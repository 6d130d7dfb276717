"""A job that meets Postgres away waits the outage out instead of spending its retries (shared.broker's
OutageAwareRetries): the probe actor allows no retry at all (max_retries=0), yet it runs once Postgres is
back. Before, a five-minute database outage exhausted a reply job's retries and then its hand-off's, and
the customer's message was left undecided (scripts/faults --long, postgres_outage_5min).

A real worker with its own redis-server, its Postgres reached through a proxy the test cuts."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from shared.infra.retry_policy import is_outage
from tests.tenancy.seed import seed_tenant
from tests.worker.test_liveness import postgres_proxy, start_worker, through  # noqa: F401 - fixture
from tests.worker.test_self_healing import enqueue_probe, probe_count, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def test_a_job_without_retries_waits_out_a_database_outage(tmp_path, private_redis, postgres_proxy):  # noqa: F811
    seller = await seed_tenant("outage-retries")
    database_url = through(os.environ["DATABASE_URL"], postgres_proxy.port)
    worker, ready, _ = start_worker(tmp_path, private_redis.url, database_url)
    try:
        await wait_until(lambda: asyncio.sleep(0, ready.exists()), 60)
        assert ready.exists(), "worker did not boot"
        postgres_proxy.cut()
        enqueue_probe(private_redis.url, str(seller.tenant_id))
        await asyncio.sleep(8)  # the job meets the outage several times (2 s, then growing)
        assert await probe_count(private_redis.url, seller.tenant_id) is None
        postgres_proxy.start()
        count, _ = await wait_until(lambda: probe_count(private_redis.url, seller.tenant_id), 45)
    finally:
        worker.send_signal(signal.SIGTERM)
        stderr = worker.communicate(timeout=60)[1]
    assert count is not None, stderr[-3000:]
    assert "not counted as a retry" in stderr


async def test_only_our_own_servers_being_away_is_an_outage():
    import asyncpg
    import redis

    from tests.support import free_port

    with pytest.raises(OSError) as refused:  # what a pool meets when Postgres is down: raised inside asyncpg
        await asyncpg.connect(host="127.0.0.1", port=free_port(), user="nobody", database="none", timeout=5)
    assert is_outage(refused.value)

    assert is_outage(asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"))
    assert is_outage(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert is_outage(redis.ConnectionError("Connection refused"))
    # A socket error from anything but asyncpg (a seller's SMTP server, a marketplace) is the job's own failure.
    assert not is_outage(ConnectionRefusedError(111, "Connection refused"))
    assert not is_outage(ValueError("bad input"))
