"""Received external events, stored before any processing so nothing accepted is lost."""

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant


class InboxEvent(Table, tablename="inbox_events"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    # Scoped to one channel ("generic:<channel id>", "allegro:<account id>", "minio", ...), so two
    # tenants' ids can never collide; UNIQUE (source, external_id) makes redelivery a no-op.
    source = Varchar(length=120, null=False)
    external_id = Varchar(length=255, null=False)
    event_type = Varchar(length=60, null=False)
    payload = JSONB(default={}, null=False)
    # received | processed | failed
    status = Varchar(length=20, default="received", null=False)
    attempts = Integer(default=0, null=False)
    error = Varchar(length=1000, null=True, default=None)
    received_at = Timestamptz(default=TimestamptzNow())
    processed_at = Timestamptz(null=True, default=None)
