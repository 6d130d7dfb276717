"""The one Retry-After reader (shared/channels/http.py): both RFC 9110 forms, garbage ignored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx2
import pytest

from shared.channels.http import retry_after_seconds


def _answer(value: str | None) -> httpx2.Response:
    return httpx2.Response(429, headers={} if value is None else {"Retry-After": value})


@pytest.mark.parametrize("value, expected", [("7", 7.0), (" 2.5 ", 2.5), ("-3", 0.0), ("0", 0.0)])
def test_delay_seconds(value, expected):
    assert retry_after_seconds(_answer(value)) == expected


def test_http_date_is_the_time_left_until_then():
    at = datetime.now(timezone.utc) + timedelta(seconds=90)
    waited = retry_after_seconds(_answer(format_datetime(at, usegmt=True)))
    assert waited is not None and 85 <= waited <= 90


def test_http_date_in_the_past_means_now():
    assert retry_after_seconds(_answer("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "inf", "nan", "Wed, 99 Foo 2015"])
def test_absent_or_garbled_is_no_hint(value):
    assert retry_after_seconds(_answer(value)) is None
