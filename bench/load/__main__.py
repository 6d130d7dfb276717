"""``python -m bench.load``: see the package docstring and bench/README.md ("bench.load")."""

from __future__ import annotations

import argparse
import os
import sys
import uuid


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description="N simulated sellers, a day of their traffic compressed, and what it costs")
    parser.add_argument("--sellers", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long requests are issued")
    parser.add_argument("--compression", type=float, default=None,
                        help="how many times faster than real time the day runs (default: one whole day in --minutes)")
    parser.add_argument("--messages-per-day", type=float, default=20.0, help="customer messages per seller per day")
    parser.add_argument("--reads-per-day", type=float, default=20.0,
                        help="inbox reads per seller per day (each: the list, then the newest conversation)")
    parser.add_argument("--searches-per-day", type=float, default=2.0, help="KB searches per seller per day")
    parser.add_argument("--drain-seconds", type=float, default=120.0,
                        help="after issuing stops, wait at most this long for every message's reply or draft")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--deployment", choices=("own", "stack"), default="own",
                        help="own: this run's functions, gateway and worker on the stack's servers (default); "
                             "stack: the running stack's gateway and worker as they are")
    parser.add_argument("--llm", choices=("stub", "local"), default="stub",
                        help="stub: a stub OpenAI server answering in --stub-delay-ms; local: the stack's SmolLM2")
    parser.add_argument("--stub-delay-ms", type=float, default=300.0)
    parser.add_argument("--worker-processes", type=int, default=1)
    parser.add_argument("--worker-threads", type=int, default=None,
                        help="threads of each class's worker (default: the class's own, shared.queue_classes.THREADS)")
    parser.add_argument("--api-sellers", type=int, default=5,
                        help="how many sellers sign up through the API (the rest through the service code)")
    parser.add_argument("--setup-concurrency", type=int, default=6)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the sellers (remove later with --cleanup)")
    parser.add_argument("--cleanup", action="store_true",
                        help="only remove the sellers of every earlier run listed under .state/load/*/sellers.json")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.deployment == "stack" and args.llm == "stub":
        parser.error("--deployment stack answers with the stack's worker and LLM: add --llm local")
    if args.sellers < 1 or args.minutes <= 0 or args.processes < 1:
        parser.error("--sellers, --minutes and --processes must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = uuid.uuid4().hex[:8]
    if args.deployment == "own" and not args.cleanup:
        # Before anything imports shared.broker (built at import): the jobs this process stages
        # (ingestion events) go to the run's namespace, where only the run's worker takes them.
        os.environ["REDIS_BROKER_NAMESPACE"] = f"bokai-load-{run_id}"
    from bench._common import require_stack_env
    from bench.load.run import cleanup_all, run

    require_stack_env()
    if args.cleanup:
        return cleanup_all()
    return run(args, run_id)


if __name__ == "__main__":
    sys.exit(main())
