"""The webhooks function served on loopback (as tests/webhooks has it)."""

from __future__ import annotations

import pytest

from functions.webhooks.handler import app as webhooks_app
from tests.support import serve


@pytest.fixture
async def webhooks(db_pool):
    async with serve(webhooks_app, timeout=30) as client:
        yield client
