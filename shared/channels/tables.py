"""Channel accounts: one row per connection of a seller to a platform (Allegro, OLX, email, ...)."""

from piccolo.columns import JSONB, UUID, Bytea, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant


class ChannelAccount(Table, tablename="channel_accounts"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    platform = Varchar(length=30, null=False)  # allegro | olx | emag | email | generic
    # The platform's id for the seller's account (Allegro user id, mailbox address, ...).
    external_account_id = Varchar(length=255, null=False)
    display_name = Varchar(length=255, null=True, default=None)
    # connected | pending | disconnected | error: "error" is shown to the seller with last_error.
    status = Varchar(length=20, default="pending", null=False)
    last_error = Varchar(length=1000, null=True, default=None)
    # Tokens, passwords and webhook secrets, encrypted at rest with a key from secrets; never logged.
    credentials_encrypted = Bytea(null=True, default=None)
    settings = JSONB(default={}, null=False)
    # Polling watermark (e.g. Allegro lastMessageDateTime seen), moved only after a page is stored.
    sync_watermark = Timestamptz(null=True, default=None)
    last_synced_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
