"""Row-level security and grants for curated_answers (same shape as every tenant table)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script

ID = "2026-11-25T18:15:57:799316"
VERSION = "1.38.0"
DESCRIPTION = "curated answers rls"


FORWARDS_SQL = """
ALTER TABLE curated_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE curated_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON curated_answers
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE INDEX curated_answers_tenant_idx ON curated_answers (tenant_id, created_at DESC);
GRANT SELECT, INSERT, UPDATE, DELETE ON curated_answers TO {role};
"""

BACKWARDS_SQL = """
REVOKE ALL ON curated_answers FROM {role};
DROP INDEX IF EXISTS curated_answers_tenant_idx;
DROP POLICY IF EXISTS tenant_isolation ON curated_answers;
ALTER TABLE curated_answers NO FORCE ROW LEVEL SECURITY;
ALTER TABLE curated_answers DISABLE ROW LEVEL SECURITY;
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
