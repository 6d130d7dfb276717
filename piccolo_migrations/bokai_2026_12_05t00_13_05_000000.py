"""order_snapshots: tenant isolation like every tenant table; one order per conversation.

The unique index on the conversation makes linking idempotent (a redelivered message links
nothing new); the tenant index serves the seller-wide reads and deletes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script

ID = "2026-12-05T00:13:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "order snapshots rls"

FORWARDS_SQL = """
ALTER TABLE order_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_snapshots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON order_snapshots
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON order_snapshots TO {role};
CREATE UNIQUE INDEX order_snapshots_conversation_idx ON order_snapshots (conversation_id);
CREATE INDEX order_snapshots_tenant_order_idx ON order_snapshots (tenant_id, platform, order_id);
"""

BACKWARDS_SQL = """
DROP INDEX IF EXISTS order_snapshots_tenant_order_idx;
DROP INDEX IF EXISTS order_snapshots_conversation_idx;
DROP POLICY IF EXISTS tenant_isolation ON order_snapshots;
ALTER TABLE order_snapshots NO FORCE ROW LEVEL SECURITY;
ALTER TABLE order_snapshots DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON order_snapshots FROM {role};
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await execute_script(FORWARDS_SQL.format(role=app_role()))

    async def revert():
        await execute_script(BACKWARDS_SQL.format(role=app_role()))

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
