"""Event webhooks and the handoff log: tenant isolation like every tenant table, plus their indexes.

``event_deliveries`` is unique per (endpoint, event), so an event staged twice for one endpoint is
delivered once; the log is read newest first per seller; the emitters look up a seller's enabled
endpoints on every state change, by tenant. ``handoff_log`` is read by the analytics per conversation.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script

ID = "2026-11-26T04:51:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "event webhooks and handoff log rls"

TABLES = ("event_endpoints", "event_deliveries", "handoff_log")

FORWARDS_SQL = "".join(f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON {table}
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {{role}};
""" for table in TABLES) + """
CREATE INDEX event_endpoints_tenant_idx ON event_endpoints (tenant_id);
CREATE UNIQUE INDEX event_deliveries_endpoint_event_idx ON event_deliveries (endpoint_id, event_id);
CREATE INDEX event_deliveries_tenant_created_idx ON event_deliveries (tenant_id, created_at DESC, id DESC);
CREATE INDEX handoff_log_conversation_idx ON handoff_log (tenant_id, conversation_id);
CREATE INDEX handoff_log_open_idx ON handoff_log (conversation_id) WHERE resolved_at IS NULL;
"""

BACKWARDS_SQL = "".join(f"""
DROP POLICY IF EXISTS tenant_isolation ON {table};
ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
""" for table in TABLES)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await execute_script(FORWARDS_SQL.format(role=app_role()))

    async def revert():
        await execute_script(BACKWARDS_SQL)

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
