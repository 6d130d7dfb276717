"""A function that answers before reading a big body is heard through the local gateway (real of-watchdogs).

Unknown channel, no token, over the limit, wrong method: the function answers at once and its watchdog
then closes the connection under the rest of the body. The caller gets that answer, as from the OpenFaaS
gateway, never a 502.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from functions.auth.handler import app as auth_app
from shared.gateway.dispatcher import FunctionGateway
from shared.gateway.proxy import ProxyGateway
from tests.deploy.watchdog import start_watchdog
from tests.gateway.test_proxy import serve_gateway
from tests.support import serve

pytestmark = pytest.mark.integration

MB = 1024 * 1024
FUNCTIONS = ("conversations", "kb", "webhooks")
MULTIPART = "multipart/form-data; boundary=early-answer"


@pytest.fixture(scope="module")
def watchdogs(tmp_path_factory):
    state_dirs = {name: tmp_path_factory.mktemp(f"wd-{name}") for name in FUNCTIONS}
    with ThreadPoolExecutor(len(FUNCTIONS)) as pool:  # each takes seconds to import its app
        started = list(pool.map(lambda name: start_watchdog(name, state_dirs[name]), FUNCTIONS))
    yield {watchdog.function: watchdog for watchdog in started}
    with ThreadPoolExecutor(len(started)) as pool:
        list(pool.map(lambda watchdog: watchdog.stop(), started))


@pytest.fixture(scope="module")
async def gateway(watchdogs):
    async with serve_gateway(ProxyGateway({name: w.url for name, w in watchdogs.items()})) as client:
        yield client


@pytest.fixture(scope="module")
async def seller_token(db_pool) -> str:
    patch = pytest.MonkeyPatch()
    patch.setenv("AUTH_TRUSTED_PROXY_HOPS", "1")  # an address of its own for the sign-up throttle
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    async with serve(FunctionGateway({"auth": auth_app}), headers={"x-forwarded-for": address}) as auth:
        response = await auth.post("/function/auth/register", json={
            "email": f"early-{uuid.uuid4().hex[:10]}@example.pl", "password": "Zielona-Herbata-42",
            "companyName": "Sklep Wczesny"})
    patch.undo()
    assert response.status_code == 201, response.text
    return response.json()["accessToken"]


def webhook_path() -> str:
    return f"/function/webhooks/channels/{uuid.uuid4()}/{uuid.uuid4()}/messages"


# (what the function refuses, path, content type, with a token, the function's own answer, body sizes in MB)
CASES = [
    ("unknown webhook channel", webhook_path, "application/json", False, 404, (21, 30, 60)),
    ("kb upload without a token", lambda: "/function/kb/documents", MULTIPART, False, 401, (21, 30, 60)),
    ("kb upload over the 25 MB limit", lambda: "/function/kb/documents", MULTIPART, True, 413, (30, 60)),
    ("POST to a GET-only path", lambda: "/function/conversations/conversations", "application/json", False, 405,
     (21, 30, 60)),
]


@pytest.mark.parametrize(("size_mb", "path", "content_type", "with_token", "status"), [
    pytest.param(size, path, content_type, with_token, status, id=f"{label}-{size}MB")
    for label, path, content_type, with_token, status, sizes in CASES for size in sizes])
async def test_the_function_s_early_answer_reaches_the_caller_whatever_the_body_size(
        gateway, seller_token, size_mb, path, content_type, with_token, status):
    body = b"x" * (size_mb * MB)
    headers = {"content-type": content_type} | ({"authorization": f"Bearer {seller_token}"} if with_token else {})
    answers = [await gateway.post(path(), content=body, headers=headers, timeout=60) for _ in range(4)]
    assert [a.status_code for a in answers] == [status] * 4, [(a.status_code, a.text[:120]) for a in answers]
    assert all("detail" in a.json() for a in answers)  # the function's problem document, not an empty page


async def test_the_answer_comes_while_the_caller_is_still_sending(gateway):
    # A caller streaming 60 MB to an unknown channel hears the 404 a few MB in, as through Go's reverse proxy,
    # not after a body written in full first. (It must keep sending: the watchdog's Go server cannot write
    # the answer while its proxy is blocked reading the next bytes of the body.)
    port = int(str(gateway.base_url).rsplit(":", 1)[1].rstrip("/"))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    declared, sent = 60 * MB, 0
    try:
        writer.write(f"POST {webhook_path()} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode())
        answer = asyncio.ensure_future(reader.readline())
        while not answer.done() and sent < declared:
            writer.write(b"x" * (64 * 1024))
            sent += 64 * 1024
            await writer.drain()
            await asyncio.sleep(0.001)
        status_line = await asyncio.wait_for(answer, timeout=30)
    finally:
        writer.close()
    assert status_line.split(b" ")[1] == b"404", status_line
    assert sent < declared // 2, f"the answer came only after {sent // MB} MB of {declared // MB} MB"
