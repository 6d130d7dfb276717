"""The outbox: tenant isolation like every tenant table, and the relay's three narrow cross-tenant functions.

The relay must see every tenant's unsent jobs while RLS (forced, also for the owner) hides rows
without ``app.tenant_id``. As for the sync fan-out (2026-11-25T18:22:40), no bypass role: owner-run
SECURITY DEFINER functions see the rows through an owner-only policy that holds only while
``app.outbox_relay`` is 'on', which each function switches on around its one statement.
``outbox_claim`` returns job ids, tenant ids, actor names and their id arguments — nothing else;
``outbox_mark_sent`` can only stamp ``sent_at`` on unsent rows; ``outbox_purge`` only deletes rows
sent long ago. EXECUTE goes to the app role alone.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script

ID = "2026-11-26T02:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox rls and relay functions"

FORWARDS_SQL = """
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY outbox_relay ON outbox FOR ALL TO CURRENT_USER
    USING (current_setting('app.outbox_relay', true) = 'on')
    WITH CHECK (current_setting('app.outbox_relay', true) = 'on');
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO {role};
CREATE INDEX outbox_unsent_idx ON outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE FUNCTION outbox_claim(min_age_seconds double precision, lease_seconds double precision, batch integer)
    RETURNS TABLE (id uuid, tenant_id uuid, queue_name text, actor_name text, args jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('app.outbox_relay', 'on', true);
    RETURN QUERY
        WITH claimed AS (
            UPDATE outbox o
               SET lease_until = now() + make_interval(secs => lease_seconds),
                   relay_attempts = o.relay_attempts + 1
             WHERE o.id IN (SELECT p.id FROM outbox p
                             WHERE p.sent_at IS NULL
                               AND p.created_at <= now() - make_interval(secs => min_age_seconds)
                               AND (p.lease_until IS NULL OR p.lease_until < now())
                             ORDER BY p.created_at LIMIT batch
                               FOR UPDATE SKIP LOCKED)
            RETURNING o.id, o.tenant_id, o.queue_name::text AS queue_name, o.actor_name::text AS actor_name,
                      o.args, o.created_at)
        SELECT c.id, c.tenant_id, c.queue_name, c.actor_name, c.args FROM claimed c ORDER BY c.created_at;
    PERFORM set_config('app.outbox_relay', '', true);
END $$;

CREATE FUNCTION outbox_mark_sent(job_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    marked integer;
BEGIN
    PERFORM set_config('app.outbox_relay', 'on', true);
    UPDATE outbox SET sent_at = now() WHERE id = ANY(job_ids) AND sent_at IS NULL;
    GET DIAGNOSTICS marked = ROW_COUNT;
    PERFORM set_config('app.outbox_relay', '', true);
    RETURN marked;
END $$;

CREATE FUNCTION outbox_purge(older_than_seconds double precision) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    purged integer;
BEGIN
    PERFORM set_config('app.outbox_relay', 'on', true);
    DELETE FROM outbox WHERE sent_at IS NOT NULL
                         AND sent_at < now() - make_interval(secs => greatest(older_than_seconds, 3600));
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM set_config('app.outbox_relay', '', true);
    RETURN purged;
END $$;

REVOKE ALL ON FUNCTION outbox_claim(double precision, double precision, integer), outbox_mark_sent(uuid[]),
    outbox_purge(double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_claim(double precision, double precision, integer), outbox_mark_sent(uuid[]),
    outbox_purge(double precision) TO {role};
"""

BACKWARDS_SQL = """
DROP FUNCTION IF EXISTS outbox_claim(double precision, double precision, integer), outbox_mark_sent(uuid[]),
    outbox_purge(double precision);
REVOKE ALL ON outbox FROM {role};
DROP INDEX IF EXISTS outbox_unsent_idx, outbox_sent_idx;
DROP POLICY IF EXISTS outbox_relay ON outbox;
DROP POLICY IF EXISTS tenant_isolation ON outbox;
ALTER TABLE outbox NO FORCE ROW LEVEL SECURITY;
ALTER TABLE outbox DISABLE ROW LEVEL SECURITY;
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
