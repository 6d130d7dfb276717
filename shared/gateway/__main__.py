"""`python -m shared.gateway --port 8080`: serve every function at /function/<name> locally.

With --watchdogs (what scripts/stack runs) it routes to each function's of-watchdog; without, it
loads every app in this process (quick experiments; tests use FunctionGateway directly)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from shared.gateway.discovery import load_functions
from shared.gateway.dispatcher import FunctionGateway
from shared.gateway.local import port_plan
from shared.gateway.proxy import ProxyGateway


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--only", nargs="*", help="serve only these functions")
    parser.add_argument("--watchdogs", action="store_true",
                        help="route to each function's of-watchdog (scripts/stack) instead of loading the apps in-process")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.watchdogs:
        plan = port_plan(names=args.only)
        gateway = ProxyGateway({name: f"http://127.0.0.1:{p.watchdog}" for name, p in plan.items()})
    else:
        gateway = FunctionGateway(load_functions(args.only))
    # Behind the proxy each function's watchdog logs its requests (the gateway's access log would repeat
    # them), and the function's own Date/Server headers are the ones to pass on, not a second pair.
    uvicorn.run(gateway, host=args.host, port=args.port, lifespan="on", access_log=not args.watchdogs,
                log_level="info", server_header=not args.watchdogs, date_header=not args.watchdogs,
                # The gateway is the edge: the caller is the socket's peer, whatever X-Forwarded-For says.
                proxy_headers=False)


if __name__ == "__main__":
    main()
