"""Polling fan-out across tenants: a SECURITY DEFINER function returning only ids of polled accounts.

The scheduler must list every tenant's connected Allegro/OLX accounts while RLS (forced, also for the
owner) hides channel_accounts from any query without ``app.tenant_id``. Rather than a bypass role,
one narrow function runs as the owner and returns (tenant_id, account_id) and nothing else: no
credentials, names or settings. It sees rows through a SELECT-only policy for the owner role that
holds only while ``app.channel_sync_fanout`` is 'on' — and that setting is switched on by the function
itself around its one query (a SET clause on the function is refused for custom settings since
PostgreSQL 15). The app role setting it itself gains nothing, because the policy applies to the owner
role only. EXECUTE goes to the app role alone.
"""

from typing import ClassVar

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.postgres import execute_script as _execute
from shared.settings import Settings, load

ID = "2026-11-25T18:22:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "channel sync fan-out function"


class MigrationRoles(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "DATABASE_"
    app_role: str = "bokai_app"


FORWARDS_SQL = """
CREATE POLICY channel_sync_fanout ON channel_accounts FOR SELECT TO CURRENT_USER
    USING (current_setting('app.channel_sync_fanout', true) = 'on');

CREATE FUNCTION channel_sync_targets()
    RETURNS TABLE (tenant_id uuid, account_id uuid)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM set_config('app.channel_sync_fanout', 'on', true);
    RETURN QUERY SELECT c.tenant_id, c.id FROM channel_accounts c
        WHERE c.status = 'connected' AND c.platform IN ('allegro', 'olx')
        ORDER BY c.last_synced_at NULLS FIRST, c.id;
    PERFORM set_config('app.channel_sync_fanout', '', true);
END $$;
REVOKE ALL ON FUNCTION channel_sync_targets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION channel_sync_targets() TO {role};
CREATE INDEX channel_accounts_sync_idx ON channel_accounts (status, platform);
"""

BACKWARDS_SQL = """
DROP INDEX IF EXISTS channel_accounts_sync_idx;
DROP FUNCTION IF EXISTS channel_sync_targets();
DROP POLICY IF EXISTS channel_sync_fanout ON channel_accounts;
"""


def _role() -> str:
    role = load(MigrationRoles).app_role
    if not role.replace("_", "").isalnum():
        raise ValueError("DATABASE_APP_ROLE must be a plain identifier")
    return role


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await _execute(FORWARDS_SQL.format(role=_role()))

    async def revert():
        await _execute(BACKWARDS_SQL)

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
