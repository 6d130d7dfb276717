"""Indexes for message lookup by platform id and for "at most one live reply per customer message"."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.postgres import execute_script as _execute

ID = "2026-11-25T18:12:38:144983"
VERSION = "1.38.0"
DESCRIPTION = "message lookup and one-reply indexes"

FORWARDS_SQL = """
-- Email threading and polling de-duplication look messages up by the platform's id.
CREATE INDEX messages_tenant_platform_id_idx ON messages (tenant_id, platform_message_id)
    WHERE platform_message_id IS NOT NULL;
-- Exactly one reply per customer message: a second draft/approval for the same message conflicts.
CREATE UNIQUE INDEX messages_one_live_reply_idx ON messages (in_reply_to_id)
    WHERE direction = 'outbound' AND status IN ('draft', 'approved', 'sending', 'sent');
CREATE INDEX conversations_tenant_status_idx ON conversations (tenant_id, status, last_message_at DESC);
"""

BACKWARDS_SQL = """
DROP INDEX IF EXISTS messages_tenant_platform_id_idx, messages_one_live_reply_idx,
    conversations_tenant_status_idx;
"""



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        await _execute(FORWARDS_SQL)

    async def revert():
        await _execute(BACKWARDS_SQL)

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
