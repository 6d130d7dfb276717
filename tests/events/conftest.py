"""Each test module gets its own broker namespace (shared with tests/conversations), so parallel test
runs on the shared Redis never consume each other's jobs."""

from tests.conversations.conftest import broker_namespace  # noqa: F401 — a fixture, used by name
