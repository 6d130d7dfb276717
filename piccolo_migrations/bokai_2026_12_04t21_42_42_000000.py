"""model_qualifications is deployment-wide (no tenant): the app reads it and appends eval runs, never
changes or deletes one, so a recorded failure cannot be quietly undone by the application."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script

ID = "2026-12-04T21:42:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "model qualifications grants"

FORWARDS_SQL = """
GRANT SELECT, INSERT ON model_qualifications TO {role};
CREATE INDEX model_qualifications_model_created_idx ON model_qualifications (model, created_at DESC);
"""
BACKWARDS_SQL = """
DROP INDEX IF EXISTS model_qualifications_model_created_idx;
REVOKE ALL ON model_qualifications FROM {role};
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
