"""Operator command: set a seller's plan and subscription status by hand (support, invoices paid offline).

    set -a; source .state/env; set +a
    .venv/bin/python -m shared.billing.cli set --tenant <tenant id> --plan pro --status active

It is recorded like a webhook event (id ``cli:<uuid>``, happened now), so a later webhook event wins
and an older one redelivered afterwards does not undo it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import datetime, timezone
from typing import get_args

import msgspec

from shared.billing.subscriptions import Status, SubscriptionEvent, UnknownTenant, apply_event
from shared.infra.postgres import close_pool, open_pool


async def _set(tenant: str, plan: str, status: str) -> str:
    try:
        event = msgspec.convert({"id": f"cli:{uuid.uuid4()}", "occurredAt": datetime.now(timezone.utc).isoformat(),
                                 "tenantId": tenant, "plan": plan, "status": status, "type": "operator.set"},
                                SubscriptionEvent)
    except msgspec.ValidationError as problem:
        raise SystemExit(f"error: {problem}") from None
    await open_pool()
    try:
        outcome = await apply_event(event)
    except UnknownTenant:
        raise SystemExit(f"error: no tenant {tenant}") from None
    finally:
        await close_pool()
    return "applied" if outcome.applied else "not applied: a newer billing event is already in place"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.billing.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    setter = sub.add_parser("set", help="set a tenant's plan and subscription status")
    setter.add_argument("--tenant", required=True, help="tenant id (uuid)")
    setter.add_argument("--plan", required=True, help="plan name, e.g. basic or pro")
    setter.add_argument("--status", required=True, choices=get_args(Status))
    args = parser.parse_args(argv)
    print(f"tenant {args.tenant}: plan={args.plan} status={args.status} — "
          f"{asyncio.run(_set(args.tenant, args.plan, args.status))}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
