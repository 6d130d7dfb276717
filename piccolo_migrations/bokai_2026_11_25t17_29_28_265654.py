"""Row-level security, grants to the runtime app role, and constraints Piccolo cannot declare.

Runs as the owner role. Tenant-owned tables get RLS ENABLED and FORCED (so even the owner is
filtered) with a policy that reads the per-transaction setting ``app.tenant_id``; a missing or
empty setting matches no row. ``users`` is global (one person may belong to several sellers): RLS
is enabled but not forced, so the owner-owned SECURITY DEFINER lookup below can find a user by
email at login, while the app role only ever sees itself and members of the current tenant.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.infra.migration_support import app_role, execute_script as _execute

ID = "2026-11-25T17:29:28:265654"
VERSION = "1.38.0"
DESCRIPTION = "row level security, grants, constraints"


TENANT_TABLES = (
    "memberships",
    "channel_accounts",
    "conversations",
    "messages",
    "knowledge_documents",
    "ai_configs",
    "usage_logs",
    "inbox_events",
)

SETUP_SQL = """
CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Login must find a user by email before any tenant or user is known: a narrow, owner-run lookup.
CREATE FUNCTION auth_find_user(p_email text)
    RETURNS TABLE (id uuid, password_hash varchar)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT u.id, u.password_hash FROM users u WHERE lower(u.email) = lower(p_email) $$;
REVOKE ALL ON FUNCTION auth_find_user(text) FROM PUBLIC;

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
ALTER TABLE memberships ADD CONSTRAINT memberships_tenant_user_key UNIQUE (tenant_id, user_id);
ALTER TABLE channel_accounts ADD CONSTRAINT channel_accounts_account_key
    UNIQUE (tenant_id, platform, external_account_id);
ALTER TABLE conversations ADD CONSTRAINT conversations_platform_key
    UNIQUE (tenant_id, platform, platform_conversation_id);
CREATE INDEX conversations_tenant_recent_idx ON conversations (tenant_id, last_message_at DESC, id);
ALTER TABLE messages ADD CONSTRAINT messages_platform_key UNIQUE (conversation_id, platform_message_id);
CREATE UNIQUE INDEX messages_delivery_key ON messages (delivery_idempotency_key)
    WHERE delivery_idempotency_key IS NOT NULL;
CREATE INDEX messages_conversation_time_idx ON messages (conversation_id, created_at, id);
CREATE INDEX messages_outbox_idx ON messages (status) WHERE status IN ('approved', 'sending');
ALTER TABLE knowledge_documents ADD CONSTRAINT knowledge_documents_key_key UNIQUE (tenant_id, object_key);
ALTER TABLE ai_configs ADD CONSTRAINT ai_configs_tenant_key UNIQUE (tenant_id);
CREATE INDEX usage_logs_tenant_time_idx ON usage_logs (tenant_id, created_at);
ALTER TABLE inbox_events ADD CONSTRAINT inbox_events_source_key UNIQUE (source, external_id);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = app_tenant_id()) WITH CHECK (id = app_tenant_id());
-- A signed-in user choosing among the sellers they belong to (login, tenant switch).
CREATE POLICY tenant_member_read ON tenants FOR SELECT
    USING (id IN (SELECT m.tenant_id FROM memberships m WHERE m.user_id = app_user_id()));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_self ON users USING (id = app_user_id()) WITH CHECK (id = app_user_id());
CREATE POLICY user_same_tenant_read ON users FOR SELECT
    USING (EXISTS (SELECT 1 FROM memberships m
                   WHERE m.user_id = users.id AND m.tenant_id = app_tenant_id()));
"""

TENANT_TABLE_SQL = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON {table}
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
"""

MEMBERSHIP_SELF_SQL = """
CREATE POLICY membership_self_read ON memberships FOR SELECT USING (user_id = app_user_id());
"""

# No TRUNCATE (it ignores RLS), no REFERENCES, no DDL: the app role only reads and writes rows.
GRANTS_SQL = """
GRANT SELECT, INSERT, UPDATE, DELETE ON users, tenants, {tables} TO {role};
GRANT EXECUTE ON FUNCTION app_tenant_id(), app_user_id(), auth_find_user(text) TO {role};
"""

TEARDOWN_SQL = """
DROP POLICY IF EXISTS user_self ON users;
DROP POLICY IF EXISTS user_same_tenant_read ON users;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON tenants;
DROP POLICY IF EXISTS tenant_member_read ON tenants;
ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS membership_self_read ON memberships;
DROP INDEX IF EXISTS users_email_lower_key, conversations_tenant_recent_idx, messages_delivery_key,
    messages_conversation_time_idx, messages_outbox_idx, usage_logs_tenant_time_idx;
ALTER TABLE memberships DROP CONSTRAINT IF EXISTS memberships_tenant_user_key;
ALTER TABLE channel_accounts DROP CONSTRAINT IF EXISTS channel_accounts_account_key;
ALTER TABLE conversations DROP CONSTRAINT IF EXISTS conversations_platform_key;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_platform_key;
ALTER TABLE knowledge_documents DROP CONSTRAINT IF EXISTS knowledge_documents_key_key;
ALTER TABLE ai_configs DROP CONSTRAINT IF EXISTS ai_configs_tenant_key;
ALTER TABLE inbox_events DROP CONSTRAINT IF EXISTS inbox_events_source_key;
"""

TENANT_TABLE_TEARDOWN_SQL = """
DROP POLICY IF EXISTS tenant_isolation ON {table};
ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
"""




async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="bokai", description=DESCRIPTION)

    async def apply():
        role = app_role()
        await _execute(SETUP_SQL)
        for table in TENANT_TABLES:
            await _execute(TENANT_TABLE_SQL.format(table=table))
        await _execute(MEMBERSHIP_SELF_SQL)
        await _execute(GRANTS_SQL.format(tables=", ".join(TENANT_TABLES), role=role))

    async def revert():
        role = app_role()
        await _execute(
            f"REVOKE ALL ON users, tenants, {', '.join(TENANT_TABLES)} FROM {role};"
        )
        for table in TENANT_TABLES:
            await _execute(TENANT_TABLE_TEARDOWN_SQL.format(table=table))
        await _execute(TEARDOWN_SQL)
        await _execute("DROP FUNCTION IF EXISTS auth_find_user(text), app_tenant_id(), app_user_id();")

    manager.add_raw(apply)
    manager.add_raw_backwards(revert)
    return manager
