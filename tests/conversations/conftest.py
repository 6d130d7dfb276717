"""Each test module gets its own broker namespace, so parallel test runs on the shared Redis never
consume each other's jobs (every test database shares one Redis)."""

from __future__ import annotations

import os
import uuid

import pytest

from shared.broker import broker


@pytest.fixture(scope="module")
def broker_namespace():
    namespace = f"bokai-test-{uuid.uuid4().hex[:10]}"
    previous, previous_env = broker.namespace, os.environ.get("REDIS_BROKER_NAMESPACE")
    broker.namespace = namespace
    os.environ["REDIS_BROKER_NAMESPACE"] = namespace
    yield namespace
    broker.namespace = previous
    if previous_env is None:
        os.environ.pop("REDIS_BROKER_NAMESPACE", None)
    else:
        os.environ["REDIS_BROKER_NAMESPACE"] = previous_env
