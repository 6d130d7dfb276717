"""Users (global identities), tenants (sellers) and memberships linking them with a role."""

from piccolo.columns import UUID, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="users"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, unique=True, null=False)
    password_hash = Varchar(length=255, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Tenant(Table, tablename="tenants"):
    id = UUID(primary_key=True)
    name = Varchar(length=255, null=False)
    slug = Varchar(length=100, unique=True, null=False)
    # active | trialing | past_due | canceled: only "active"/"trialing" may spend money (AI, ingestion).
    subscription_status = Varchar(length=50, default="active", null=False)
    subscription_plan = Varchar(length=50, default="basic", null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Membership(Table, tablename="memberships"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=20, default="member", null=False)  # owner | admin | member
    created_at = Timestamptz(default=TimestamptzNow())
