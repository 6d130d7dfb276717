"""``load`` of a settings group, as every reply calls it several times: built once, then looked up.

Baseline, same process: ``build`` on a copy of the environment (every secret file read, every value
converted: what ``load`` did on every call before issue 15). Prints microseconds per call and the
ratio. No servers needed.

    .venv/bin/python -m bench.settings_load
"""

from __future__ import annotations

import os
import tempfile
import timeit

from shared.infra.postgres import DatabaseSettings
from shared.settings import build, load

CALLS = 20_000


def _per_call_us(call) -> float:
    return min(timeit.repeat(call, number=CALLS, repeat=3)) / CALLS * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as secrets:
        # As deployed: the database URL is a mounted secret file, the rest comes from the environment.
        os.environ["SECRETS_DIR"] = secrets
        with open(os.path.join(secrets, "database-url"), "w") as secret:
            secret.write("postgresql://bokai_app:secret@127.0.0.1:15432/bokai")
        baseline = _per_call_us(lambda: build(DatabaseSettings, dict(os.environ)))
        cached = _per_call_us(lambda: load(DatabaseSettings))
    print(f"settings load, {CALLS} calls: build every time {baseline:.1f} µs/call, "
          f"load (cached) {cached:.1f} µs/call, {baseline / cached:.1f}x faster")


if __name__ == "__main__":
    main()
