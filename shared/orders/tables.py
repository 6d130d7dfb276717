"""The order a conversation is about, and the latest snapshot of it read from the platform."""

from piccolo.columns import JSONB, UUID, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant
from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Conversation


class OrderSnapshotRow(Table, tablename="order_snapshots"):
    """One per conversation (unique): the order id comes from the platform's own data, never from
    what the customer typed. Deleted with the conversation and with the seller (cascades)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    conversation_id = ForeignKey(references=Conversation, null=False, on_delete=OnDelete.cascade)
    # The marketplace account whose API is asked (eMAG mail arrives on an e-mail channel: this is
    # the eMAG channel bound to it); None when the platform has no order API here (Amazon, generic).
    account_id = ForeignKey(references=ChannelAccount, null=True, default=None, on_delete=OnDelete.set_null)
    platform = Varchar(length=30, null=False)
    order_id = Varchar(length=100, null=False)
    # shared.orders.schemas.OrderSnapshot; None until the first successful fetch.
    snapshot = JSONB(null=True, default=None)
    fetched_at = Timestamptz(null=True, default=None)
    # Last fetch attempt and why it failed (an exception class or a short reason, never a body).
    attempted_at = Timestamptz(null=True, default=None)
    last_error = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
