"""The one retry policy (shared/infra/retry_policy.py): exponential with jitter up to a cap, never sooner than a
peer's Retry-After (both RFC 9110 forms), never later than the cap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from shared.infra.retry_policy import parse_retry_after, retry_delay_ms

POLICY = {"base_ms": 1_000, "max_ms": 60_000}


@pytest.mark.parametrize("value, expected", [("7", 7.0), (" 2.5 ", 2.5), ("-3", 0.0), ("0", 0.0)])
def test_delay_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_an_http_date_is_the_time_left_until_then():
    waited = parse_retry_after(format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True))
    assert waited is not None and 85 <= waited <= 90
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "inf", "nan", "Wed, 99 Foo 2015"])
def test_absent_or_garbled_is_no_hint(value):
    assert parse_retry_after(value) is None


def test_backoff_doubles_with_jitter_up_to_the_cap():
    for attempts, low in ((1, 1_000), (2, 2_000), (3, 4_000), (5, 16_000)):
        assert all(low <= retry_delay_ms(attempts, None, **POLICY) <= 2 * low for _ in range(50)), attempts
    assert all(30_000 <= retry_delay_ms(12, None, **POLICY) <= 60_000 for _ in range(50))


def test_retry_after_is_a_floor_within_the_cap():
    assert retry_delay_ms(1, 45, **POLICY) == 45_000
    assert retry_delay_ms(1, 0.0011, **POLICY) >= 1_000  # a shorter hint never shortens our own backoff
    assert retry_delay_ms(1, 365 * 24 * 3600, **POLICY) == 60_000
    assert retry_delay_ms(1, parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), **POLICY) <= 2_000
