"""Test set-up: real servers from scripts/stack, a throw-away database with migrations applied.

`scripts/test` starts the stack, recreates the `bokai_test` database with `piccolo migrations
forwards`, and exports `.state/env.test`. Running pytest directly afterwards reuses that file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV_FILE = Path(__file__).resolve().parents[1] / ".state" / f"env.{os.environ.get('BOKAI_TEST_DB', 'bokai_test')}"


def _load_env_file() -> None:
    if "DATABASE_URL" in os.environ:
        return
    if not ENV_FILE.exists():
        pytest.exit("no test stack: run scripts/test (it starts the servers and the test database)", 2)
    for line in ENV_FILE.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key, value)


_load_env_file()


@pytest.fixture(scope="session")
async def db_pool():
    from shared.infra.postgres import close_pool, open_pool

    await open_pool()
    yield
    await close_pool()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own (tests/private_redis.py), stopped at the end."""
    from tests.private_redis import PrivateRedis

    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
