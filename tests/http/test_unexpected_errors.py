"""docs/api.md: "Unexpected failures are a 500 with a generic detail; the log has the route, not the
body." A bug in a handler must show a frontend one sentence it can display (no trace, no exception
text), and the function's log must name the route without the body, the query string or the token."""

from __future__ import annotations

import logging

from litestar import Request, post
from litestar.params import FromPath

from shared.http.app import make_function_app
from tests.support import serve

BODY_SECRET = "Mój PESEL to 85010112345"
QUERY_SECRET = "emag-callback-token-4f1c"
TOKEN = "Bearer eyJhbGciOiJFZERTQSJ9.sekret"


@post("/orders/{order_id:str}/notes", status_code=201)
async def add_note(request: Request, order_id: FromPath[str]) -> dict[str, str]:
    await request.body()
    raise ZeroDivisionError("division by zero in the notes counter")  # a plain bug


app = make_function_app("probe", [add_note], description="A function with a bug", postgres=False, redis=False)


async def test_a_bug_is_a_generic_500_and_the_log_names_the_route_only(caplog):
    caplog.set_level(logging.INFO)
    async with serve(app) as client:
        response = await client.post(f"/orders/A-17/notes?token={QUERY_SECRET}", json={"note": BODY_SECRET},
                                     headers={"Authorization": TOKEN})

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "detail": "Something went wrong on our side. Please try again; if it persists, contact support."}
    logged = caplog.text
    assert "unhandled error on POST /orders/A-17/notes" in logged
    for leaked in (BODY_SECRET, "85010112345", QUERY_SECRET, "eyJhbGciOiJFZERTQSJ9", "sekret"):
        assert leaked not in logged and leaked not in response.text, leaked
    assert "ZeroDivisionError" not in response.text and "Traceback" not in response.text
