"""Jobs committed together with the work they start, until they are in the queue."""

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant


class OutboxJob(Table, tablename="outbox"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    queue_name = Varchar(length=60, null=False)
    actor_name = Varchar(length=120, null=False)
    # String ids only (like every actor's arguments): never message bodies or secrets.
    args = JSONB(default=[], null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    # Set once the job is in Redis; rows without it are what the relay enqueues.
    sent_at = Timestamptz(null=True, default=None)
    # The relay leases a row while it enqueues it, so two relays rarely enqueue the same job.
    lease_until = Timestamptz(null=True, default=None)
    relay_attempts = Integer(default=0, null=False)
