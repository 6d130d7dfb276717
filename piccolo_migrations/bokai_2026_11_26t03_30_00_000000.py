"""Indexes for the analytics API (shared/analytics): conversations started in a range, usage per conversation.

The analytics queries select one seller's conversations by created_at, then join their messages
(messages_conversation_time_idx already serves that) and their usage rows by conversation
(no index until now: usage_logs was only read by tenant and time). The usage index leads with
tenant_id so it matches every condition of the lookup: with statistics that lag behind fresh rows,
an index on conversation_id alone tied with usage_logs_tenant_time_idx, and the planner scanned all
of the seller's usage rows once per conversation (≈1 s for a year instead of ≈5 ms).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import execute_script

ID = "2026-11-26T03:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "analytics indexes"

FORWARDS_SQL = """
CREATE INDEX IF NOT EXISTS conversations_tenant_created_idx ON conversations (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS usage_logs_tenant_conversation_idx ON usage_logs (tenant_id, conversation_id)
    WHERE conversation_id IS NOT NULL;
"""

BACKWARDS_SQL = """
DROP INDEX IF EXISTS usage_logs_tenant_conversation_idx;
DROP INDEX IF EXISTS conversations_tenant_created_idx;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await execute_script(FORWARDS_SQL)

    async def revert():
        await execute_script(BACKWARDS_SQL)

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
