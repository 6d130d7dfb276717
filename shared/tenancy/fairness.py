"""A seller's share of the model servers: the lane their calls queue in (``shared.infra.fairness``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from shared.infra.fairness import lane
from shared.tenancy.ids import parse_tenant_id


@contextmanager
def tenant_lane(tenant_id: UUID | str, *, interactive: bool | None = None) -> Iterator[None]:
    """Model-server calls made inside the block count against ``tenant_id``'s share; in a worker they are
    interactive when the job's queue class is (``shared.queue_classes.serves_a_waiting_person``)."""
    with lane(str(parse_tenant_id(tenant_id)), interactive=interactive):
        yield
