"""Each function run locally exactly as its image runs it: of-watchdog (mode=http) forking uvicorn.

The watchdog's environment is read from ``Dockerfile.fn``'s ``function`` stage (mode, upstream_url,
fprocess, ready_path, timeouts, max_inflight, ...), so the local stack cannot drift from the image.
Only what one host running every function needs is changed: the ports (one watchdog, metrics and app
port per function, see :func:`port_plan`), loopback-only listeners (``bind_address``), ``PYTHONPATH``
(the clone instead of ``/home/app``) and ``TMPDIR`` (the watchdog's lock file ``$TMPDIR/.lock`` is
per container in production).

``python -m shared.gateway.local exec NAME --watchdog PATH`` becomes that function's watchdog
(``os.execve``: the pid ``scripts/stack`` records is the watchdog's). ``plan`` prints the ports.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.gateway.discovery import FUNCTIONS_DIR, function_names

ROOT = FUNCTIONS_DIR.parent
DOCKERFILE = ROOT / "Dockerfile.fn"
IMAGE_APP_PORT = "8000"  # where Dockerfile.fn's fprocess/upstream_url put uvicorn inside the image
DEFAULT_PORT_BASE = 18100


@dataclass(frozen=True)
class FunctionPorts:
    name: str
    watchdog: int  # what the gateway calls (8080 in the image)
    metrics: int  # the watchdog's Prometheus metrics (8081 in the image)
    app: int  # uvicorn on 127.0.0.1, reached only through the watchdog (8000 in the image)


def port_plan(base: int | None = None, names: list[str] | None = None) -> dict[str, FunctionPorts]:
    """Function i of the sorted names gets base+i, base+100+i and base+200+i."""
    base = int(os.environ.get("FUNCTION_PORT_BASE", DEFAULT_PORT_BASE)) if base is None else base
    names = function_names() if names is None else names
    if len(names) > 100:
        raise ValueError("more than 100 functions do not fit the port plan")
    return {n: FunctionPorts(n, base + i, base + 100 + i, base + 200 + i) for i, n in enumerate(sorted(names))}


def image_env(dockerfile: Path = DOCKERFILE, stage: str = "function") -> dict[str, str]:
    """The ENV instructions of one Dockerfile stage, continuation lines joined, in order."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    env: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        instruction, _, args = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            current = args.split(" AS ")[-1].strip() if " AS " in args else None
        elif instruction.upper() == "ENV" and current == stage:
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    if "fprocess" not in env:
        raise ValueError(f"{dockerfile}: stage {stage!r} sets no fprocess")
    return env


def watchdog_env(name: str, ports: FunctionPorts, *, state_dir: Path, base_env: dict[str, str] | None = None,
                 overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the function's watchdog starts with locally (see the module docstring)."""
    image = image_env()
    app_port = str(ports.app)
    fprocess = image["fprocess"].replace("${FUNCTION}", name)
    argv = fprocess.split(" ")  # the watchdog splits on single spaces, no shell
    if argv[argv.index("--port") + 1] != IMAGE_APP_PORT or not image["upstream_url"].endswith(":" + IMAGE_APP_PORT):
        raise ValueError("Dockerfile.fn: fprocess --port and upstream_url must both name port 8000")
    argv[argv.index("--port") + 1] = app_port
    tmp = state_dir / "run" / f"fn-{name}"
    tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ if base_env is None else base_env)
    env.update(image)
    env.update({
        "fprocess": " ".join(argv),
        "upstream_url": image["upstream_url"].removesuffix(IMAGE_APP_PORT) + app_port,
        "port": str(ports.watchdog),
        "metrics_port": str(ports.metrics),
        # Both of its listeners on loopback, like every local server (scripts/lib/install.sh overlay).
        "bind_address": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(tmp),
        # The local gateway appends one X-Forwarded-For hop, as the OpenFaaS gateway does (stack.yml).
        "AUTH_TRUSTED_PROXY_HOPS": "1",
        "OPENFAAS_NAME": name,
    })
    env.update(overrides or {})
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plan", help="print 'name watchdog-port metrics-port app-port' per function")
    run = sub.add_parser("exec", help="become the function's of-watchdog")
    run.add_argument("name")
    run.add_argument("--watchdog", required=True, help="path of the fwatchdog binary")
    run.add_argument("--state-dir", default=str(ROOT / ".state"))
    args = parser.parse_args()
    plan = port_plan()
    if args.command == "plan":
        for p in plan.values():
            print(p.name, p.watchdog, p.metrics, p.app)
        return
    if args.name not in plan:
        sys.exit(f"no function {args.name!r}: one of {', '.join(plan)}")
    env = watchdog_env(args.name, plan[args.name], state_dir=Path(args.state_dir))
    # uvicorn is looked up on PATH by the watchdog: this interpreter's venv first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    os.execve(args.watchdog, [args.watchdog], env)


if __name__ == "__main__":
    main()
