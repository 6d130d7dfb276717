"""The fault suite's long outages run only when asked for: CI's default run stays under its time budget."""

from __future__ import annotations

from tests.faults.run import select_faults

LONG = {"redis_outage_5min", "postgres_outage_5min"}


def names(arguments: list[str], environ: dict[str, str] | None = None) -> set[str]:
    faults, unknown = select_faults(arguments, environ or {})
    assert not unknown
    return {f.name for f in faults}


def test_the_default_run_leaves_the_long_outages_out():
    default = names([])
    assert not default & LONG and {"redis_restart", "postgres_restart", "worker_sigkill"} <= default


def test_long_outages_by_flag_by_environment_or_by_name():
    assert LONG <= names(["--long"]) and names([]) < names(["--long"])
    assert names([], {"FAULTS_LONG": "1"}) == names(["--long"])
    assert names(["redis_outage_5min"]) == {"redis_outage_5min"}


def test_a_long_outage_lasts_five_minutes_and_waits_long_enough_to_settle():
    from tests.faults.run import FAULTS

    for fault in (f for f in FAULTS if f.name in LONG):
        assert fault.long and fault.settle_seconds > 300
