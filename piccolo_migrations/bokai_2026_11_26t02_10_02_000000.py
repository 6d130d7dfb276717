"""``ops_stats()``: system-wide numbers for monitoring (backlogs, ages, connections), aggregates only.

The worker's metrics need counts across all tenants while RLS (forced, also for the owner) hides
every row without ``app.tenant_id``. Same construction as the sync fan-out and the outbox relay:
an owner-run SECURITY DEFINER function that switches ``app.ops_stats`` on around one query and sees
rows through SELECT-only owner policies that hold only then. It returns (metric, label, value)
rows: counts and ages per status, platform or handoff reason — never an id, a name or a text.
Partial indexes keep the query cheap when it runs every few seconds.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script

ID = "2026-11-26T02:10:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "ops stats function"

_TABLES = ("inbox_events", "outbox", "messages", "conversations", "channel_accounts")

FORWARDS_SQL = "".join(
    f"CREATE POLICY ops_stats ON {table} FOR SELECT TO CURRENT_USER "
    f"USING (current_setting('app.ops_stats', true) = 'on');\n" for table in _TABLES) + """
CREATE INDEX inbox_events_unprocessed_idx ON inbox_events (received_at) WHERE status <> 'processed';
CREATE INDEX messages_outbound_unsettled_idx ON messages (status, updated_at)
    WHERE direction = 'outbound' AND status IN ('approved', 'sending', 'failed');
CREATE INDEX conversations_waiting_idx ON conversations (handoff_reason) WHERE status = 'waiting_for_human';

CREATE FUNCTION ops_stats() RETURNS TABLE (metric text, label text, value double precision)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM set_config('app.ops_stats', 'on', true);
    RETURN QUERY
        SELECT 'inbox_backlog', '', count(*)::float8 FROM inbox_events i WHERE i.status = 'received'
        UNION ALL
        SELECT 'inbox_oldest_age', '', COALESCE(EXTRACT(EPOCH FROM now() - min(i.received_at)), 0)::float8
          FROM inbox_events i WHERE i.status = 'received'
        UNION ALL
        SELECT 'inbox_failed', '', count(*)::float8 FROM inbox_events i
         WHERE i.status = 'failed' AND i.received_at > now() - interval '24 hours'
        UNION ALL
        SELECT 'outbox_unsent', '', count(*)::float8 FROM outbox o WHERE o.sent_at IS NULL
        UNION ALL
        SELECT 'outbox_oldest_age', '', COALESCE(EXTRACT(EPOCH FROM now() - min(o.created_at)), 0)::float8
          FROM outbox o WHERE o.sent_at IS NULL
        UNION ALL
        SELECT 'replies_pending', m.status::text, count(*)::float8 FROM messages m
         WHERE m.direction = 'outbound' AND m.status IN ('approved', 'sending') GROUP BY m.status
        UNION ALL
        -- Approved and never attempted: the shape of a lost delivery job.
        SELECT 'replies_unattempted_oldest_age', '', COALESCE(EXTRACT(EPOCH FROM now() - min(m.updated_at)), 0)::float8
          FROM messages m WHERE m.direction = 'outbound' AND m.status = 'approved' AND m.delivery_attempts = 0
        UNION ALL
        SELECT 'replies_uncertain', '', count(*)::float8 FROM messages m
         WHERE m.direction = 'outbound' AND m.status = 'failed' AND m.delivery_error LIKE 'Delivery uncertain%'
           AND m.updated_at > now() - interval '24 hours'
        UNION ALL
        SELECT 'replies_failed', '', count(*)::float8 FROM messages m
         WHERE m.direction = 'outbound' AND m.status = 'failed' AND m.updated_at > now() - interval '24 hours'
        UNION ALL
        SELECT 'waiting_for_human', COALESCE(c.handoff_reason, 'unknown')::text, count(*)::float8
          FROM conversations c WHERE c.status = 'waiting_for_human' GROUP BY c.handoff_reason
        UNION ALL
        SELECT 'channel_connections', (a.platform || '/' || a.status)::text, count(*)::float8
          FROM channel_accounts a GROUP BY a.platform, a.status
        UNION ALL
        SELECT 'sync_lag', a.platform::text,
               max(EXTRACT(EPOCH FROM now() - COALESCE(a.last_synced_at, a.created_at)))::float8
          FROM channel_accounts a WHERE a.status = 'connected' AND a.platform IN ('allegro', 'olx')
         GROUP BY a.platform;
    PERFORM set_config('app.ops_stats', '', true);
END $$;
REVOKE ALL ON FUNCTION ops_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ops_stats() TO {role};
"""

BACKWARDS_SQL = "DROP FUNCTION IF EXISTS ops_stats();\n" + "".join(
    f"DROP POLICY IF EXISTS ops_stats ON {table};\n" for table in _TABLES) + """
DROP INDEX IF EXISTS inbox_events_unprocessed_idx, messages_outbound_unsettled_idx, conversations_waiting_idx;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await execute_script(FORWARDS_SQL.format(role=app_role()))

    async def revert():
        await execute_script(BACKWARDS_SQL)

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
