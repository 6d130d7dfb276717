"""``ops_stats()`` plans its query on every call instead of keeping a plan cached per session.

A worker's session cached the function's plan while the tables were small; on a database that had
grown since, one call ran for minutes. The query is unchanged (2026-11-26T02:10:03); the caller
also bounds it with a statement timeout (shared/ops/stats.py).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import execute_script

ID = "2026-11-26T02:10:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "ops stats planned per call"

FORWARDS_SQL = """
CREATE OR REPLACE FUNCTION ops_stats() RETURNS TABLE (metric text, label text, value double precision)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM set_config('app.ops_stats', 'on', true);
    -- Planned on every call (EXECUTE): a plan cached while the tables were small must not
    -- outlive their growth; planning costs milliseconds, a stale nested loop minutes.
    RETURN QUERY EXECUTE $query$
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
         GROUP BY a.platform
        UNION ALL
        -- Connections the seller sees as not working (shared/ops/channel_health.py): replies through
        -- them failed or are being retried, or a polled account has not been synced for 30 minutes.
        SELECT 'channels_degraded', a.platform::text, count(*)::float8
          FROM channel_accounts a
         WHERE a.status = 'connected' AND (
               (a.platform IN ('allegro', 'olx')
                AND COALESCE(a.last_synced_at, a.created_at) < now() - interval '30 minutes')
            OR EXISTS (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id
                        WHERE c.channel_account_id = a.id AND m.direction = 'outbound'
                          AND ((m.status = 'failed' AND m.updated_at > now() - interval '24 hours')
                               OR (m.status IN ('approved', 'sending') AND m.delivery_attempts >= 2))))
         GROUP BY a.platform
    $query$;
    PERFORM set_config('app.ops_stats', '', true);
END $$;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await execute_script(FORWARDS_SQL)

    manager.add_raw(apply)
    return manager
