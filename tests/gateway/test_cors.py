"""CORS and security headers of every function app (shared/http/cors.py, shared/http/security.py)."""

from __future__ import annotations

import pytest
from litestar import get, post
from litestar.params import JSONBody

from shared.http.app import make_function_app
from shared.http.cors import reset_policy
from tests.support import serve

FRONTEND = "https://app.bok-ai.test"


@get("/things", sync_to_thread=False)
def things() -> list[str]:
    return ["a"]


@post("/things", sync_to_thread=False)
def add_thing(data: JSONBody[dict]) -> dict:
    return data


@pytest.fixture
async def client(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{FRONTEND}, https://staging.bok-ai.test")
    reset_policy()
    async with serve(make_function_app("things", [things, add_thing], description="CORS test app")) as c:
        yield c
    reset_policy()


def _cors(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


async def test_preflight_from_a_listed_origin_is_answered_with_credentials(client):
    response = await client.options("/things", headers={
        "Origin": FRONTEND, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type, X-Evil"})
    assert response.status_code == 204
    cors = _cors(response)
    assert cors["access-control-allow-origin"] == FRONTEND
    assert cors["access-control-allow-credentials"] == "true"
    assert {"GET", "POST"} <= {m.strip() for m in cors["access-control-allow-methods"].split(",")}
    assert cors["access-control-allow-headers"] == "authorization, content-type"  # not X-Evil
    assert int(cors["access-control-max-age"]) > 0
    assert "Origin" in response.headers["vary"]


async def test_a_listed_origins_requests_and_errors_carry_cors_headers(client):
    ok = await client.get("/things", headers={"Origin": FRONTEND})
    bad = await client.post("/things", headers={"Origin": FRONTEND}, content=b"{not json")
    missing = await client.get("/nothing-here", headers={"Origin": FRONTEND})
    for response in (ok, bad, missing):
        assert _cors(response)["access-control-allow-origin"] == FRONTEND, response
        assert "Retry-After" in _cors(response)["access-control-expose-headers"]
    assert (ok.status_code, bad.status_code, missing.status_code) == (200, 400, 404)


@pytest.mark.parametrize("origin", ["https://evil.test", "https://app.bok-ai.test.evil.test", "null",
                                    "http://app.bok-ai.test"])
async def test_other_origins_get_no_cors_headers_and_no_error_page(client, origin):
    preflight = await client.options("/things", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    simple = await client.get("/things", headers={"Origin": origin})
    assert _cors(preflight) == {} and _cors(simple) == {}
    assert preflight.status_code == 204 and simple.status_code == 200 and simple.json() == ["a"]


async def test_no_origin_is_allowed_until_the_deployment_lists_one(monkeypatch):
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    reset_policy()
    async with serve(make_function_app("things", [things], description="CORS test app")) as client:
        response = await client.get("/things", headers={"Origin": FRONTEND})
    reset_policy()
    assert _cors(response) == {}


async def test_security_headers_and_a_csp_for_the_docs_page(client):
    api = await client.get("/things")
    docs = await client.get("/schema/swagger")
    for response in (api, docs):
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in api.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert "script-src https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert docs.headers["content-type"].startswith("text/html")
