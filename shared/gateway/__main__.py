"""`python -m shared.gateway --port 8080`: serve every function at /function/<name> locally."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from shared.gateway.discovery import load_functions
from shared.gateway.dispatcher import FunctionGateway


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--only", nargs="*", help="serve only these functions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    gateway = FunctionGateway(load_functions(args.only))
    uvicorn.run(gateway, host=args.host, port=args.port, lifespan="on", access_log=True,
                log_level="info")


if __name__ == "__main__":
    main()
