"""One retry policy (issue 22): replies and events used to carry two backoff formulas, and only one of them
read Retry-After. A third one, or a second Retry-After reader, would drift again."""

from __future__ import annotations

import re

from tests.architecture.imports import ROOT

POLICY = "shared/infra/retry_policy.py"
# Sign-in throttling backs off callers of our API; it does not retry anything of ours.
NOT_A_RETRY = ("shared/auth/",)


def _sources():
    for path in sorted((ROOT / "shared").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative != POLICY and not relative.startswith(NOT_A_RETRY):
            yield relative, path.read_text()


def test_backoff_is_computed_in_the_policy_only():
    found = [name for name, source in _sources()
             if "compute_backoff" in source or re.search(r"def \w*backoff\w*\(", source)]
    assert found == [], f"compute retry delays with shared.infra.retry_policy.retry_delay_ms: {found}"


def test_retry_after_is_parsed_in_the_policy_only():
    found = [name for name, source in _sources()
             if "parsedate_to_datetime" in source and "retry-after" in source.lower()]
    assert found == [], f"read Retry-After with shared.infra.retry_policy.parse_retry_after: {found}"
