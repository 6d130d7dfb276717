"""Cost of authorization that follows the database: the guard per request, before and after.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.auth_guard [--requests 3000]

Runs the real ``shared.auth.guard.authenticate`` on a request carrying a real access token (a seller
registered through ``shared.auth.service.register`` in the stack's database) in three ways,
interleaved per round so drift hits all alike:

- **baseline**: what the guard did before issue 12 — verify the ES256 token, one Redis pipeline
  (revoked token? session alive?);
- **warm**: the guard now — the same pipeline also reads the caller's current role (cached);
- **cold**: the role key deleted before every call, so each request reads the membership from
  PostgreSQL and caches it (the worst case: after a Redis flush or eviction).

Prints p50/p99 per mode and the ratio to the baseline. The seller stays (a normal account).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from litestar import Request

from bench._common import ms, percentile, require_stack_env, run_bounded
from shared.auth import service
from shared.auth.guard import authenticate
from shared.auth.live_roles import role_key
from shared.auth.schemas import RegisterRequest
from shared.auth.sessions import access_token_revoked
from shared.auth.settings import auth_settings
from shared.auth.tokens import verify_access_token
from shared.infra.postgres import close_pool, open_pool
from shared.infra.redis import close_redis, open_redis, redis_client


def _request(token: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "state": {},
                    "headers": [(b"authorization", f"Bearer {token}".encode())]})  # type: ignore[arg-type]


async def _baseline(token: str) -> None:
    claims = verify_access_token(auth_settings(), token)
    if await access_token_revoked(redis_client(), claims.tid, claims.jti, claims.sid):
        raise AssertionError("token unexpectedly revoked")


async def main_async(args: argparse.Namespace) -> int:
    require_stack_env()
    await open_pool()
    await open_redis()
    try:
        pair = await service.register(redis_client(), auth_settings(), RegisterRequest(
            email=f"bench-guard-{uuid.uuid4().hex[:10]}@example.pl", password="Zielona-Herbata-42",
            company_name="Bench Guard"))
        token = pair.access_token
        claims = verify_access_token(auth_settings(), token)
        key = role_key(redis_client(), claims.tid, claims.sub)

        async def warm() -> None:
            await authenticate(_request(token))

        async def cold() -> None:
            await redis_client().delete(key)
            started = time.perf_counter()
            await authenticate(_request(token))
            return time.perf_counter() - started  # the DEL is not the guard's cost

        modes = {"baseline": lambda: _baseline(token), "warm": warm, "cold": cold}
        samples: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(50):  # warm-up: pools, key caches
            for run in modes.values():
                await run()
        for _ in range(args.requests):
            for name, run in modes.items():
                started = time.perf_counter()
                own = await run()
                samples[name].append(own if own is not None else time.perf_counter() - started)
        base50, base99 = percentile(samples["baseline"], 50), percentile(samples["baseline"], 99)
        print(f"guard per request, {args.requests} requests per mode (real token, local Redis and PostgreSQL)")
        for name, values in samples.items():
            p50, p99 = percentile(values, 50), percentile(values, 99)
            print(f"  {name:9s} p50 {ms(p50):>9s}  p99 {ms(p99):>9s}   ×{p50 / base50:.2f} p50, ×{p99 / base99:.2f} p99")
        return 0
    finally:
        await close_redis()
        await close_pool()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--max-minutes", type=float, default=5)
    args = parser.parse_args()
    return run_bounded(lambda: main_async(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
