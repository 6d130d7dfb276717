"""Every function (load_functions) behind one in-process gateway, and a seller signed up through it."""

from __future__ import annotations

import pytest

from shared.gateway.discovery import load_functions
from shared.gateway.dispatcher import FunctionGateway
from tests.hostile.conftest import Seller, client_address, sign_up
from tests.support import serve


@pytest.fixture(scope="module")
async def gateway(db_pool):
    patch = pytest.MonkeyPatch()
    patch.setenv("AUTH_TRUSTED_PROXY_HOPS", "1")
    async with serve(FunctionGateway(load_functions()), timeout=60,
                     headers={"x-forwarded-for": client_address()}) as client:
        yield client
    patch.undo()


@pytest.fixture(scope="module")
async def seller(gateway) -> Seller:
    return await sign_up(gateway, "strict")
