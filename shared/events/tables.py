"""A seller's event webhook endpoints and the log of every event delivery to them."""

from piccolo.columns import JSONB, UUID, Boolean, Bytea, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant


class EventEndpoint(Table, tablename="event_endpoints"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    url = Varchar(length=500, null=False)
    description = Varchar(length=255, null=True, default=None)
    # The event types this endpoint receives (shared.events.schemas.EVENT_TYPES).
    event_types = JSONB(default=[], null=False)
    # The signing secret, AES-GCM sealed like channel credentials; shown to the seller only once.
    secret_encrypted = Bytea(null=False)
    enabled = Boolean(default=True, null=False)
    # Set when a delivery exhausted its retries; cleared by the next delivered event or a re-enable.
    failing_since = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class EventDelivery(Table, tablename="event_deliveries"):
    """One event for one endpoint: the delivery log the seller reads (ids and codes only, no bodies)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    endpoint_id = ForeignKey(references=EventEndpoint, null=False, on_delete=OnDelete.cascade)
    # The idempotency key: the same for every endpoint and every retry of one event.
    event_id = UUID(null=False)
    event_type = Varchar(length=50, null=False)
    # The event's `data` object exactly as sent (ids, codes, timestamps).
    data = JSONB(default={}, null=False)
    # pending | delivered | failed
    status = Varchar(length=20, default="pending", null=False)
    attempts = Integer(default=0, null=False)
    response_code = Integer(null=True, default=None)
    last_error = Varchar(length=500, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_attempt_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
