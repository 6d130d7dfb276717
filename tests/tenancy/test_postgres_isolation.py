"""Row-level security, checked against the real database as the runtime app role."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest

from shared.accounts.tables import Tenant
from shared.conversations.tables import Message
from shared.infra.postgres import engine
from shared.piccolo_app import TENANT_TABLES
from shared.tenancy.db import TenantContextError, tenant_tx, user_tx
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]

# Every tenant-owned table and the column that says which tenant a row belongs to.
TENANT_KEY = {t._meta.tablename: ("id" if t is Tenant else "tenant_id") for t in TENANT_TABLES}


def connection() -> asyncpg.Connection:
    transaction = engine().current_transaction.get()
    assert transaction is not None, "test must run inside tenant_tx/user_tx"
    return transaction.connection


@pytest.fixture(scope="module")
async def tenants(db_pool):
    return await seed_tenant("alfa"), await seed_tenant("beta")


# Deployment-wide tables: users (scoped by user_tx) and which models qualified for autopilot.
DEPLOYMENT_TABLES = {"users", "model_qualifications"}


def test_every_piccolo_table_is_covered():
    from shared.piccolo_app import APP_CONFIG

    names = {t._meta.tablename for t in APP_CONFIG.table_classes}
    assert names - set(TENANT_KEY) == DEPLOYMENT_TABLES, "a new table must be tenant-scoped or listed here"


@pytest.mark.parametrize("statement", [
    "UPDATE model_qualifications SET passed = true",
    "DELETE FROM model_qualifications",
    "TRUNCATE model_qualifications",
])
async def test_the_app_cannot_rewrite_a_models_qualification(statement):
    # It may read the verdicts and append a run; a recorded failure is never quietly undone.
    await engine().run_ddl("SELECT count(*) FROM model_qualifications")
    with pytest.raises(asyncpg.PostgresError):
        await engine().run_ddl(statement)


@pytest.mark.parametrize("table", sorted(TENANT_KEY))
async def test_tenant_sees_only_its_own_rows(tenants, table):
    alfa, beta = tenants
    async with tenant_tx(alfa.tenant_id):
        key = TENANT_KEY[table]
        visible = {r[key] for r in await connection().fetch(f"SELECT {key} FROM {table}")}
        assert visible == {alfa.tenant_id}
        by_id = await connection().fetch(f"SELECT 1 FROM {table} WHERE id = $1", beta.rows[table])
        assert by_id == []


@pytest.mark.parametrize("table", sorted(TENANT_KEY))
async def test_tenant_cannot_update_or_delete_other_tenants_rows(tenants, table):
    alfa, beta = tenants
    async with tenant_tx(alfa.tenant_id):
        key = TENANT_KEY[table]
        updated = await connection().execute(f"UPDATE {table} SET {key} = {key} WHERE id = $1",
                                              beta.rows[table])
        deleted = await connection().execute(f"DELETE FROM {table} WHERE id = $1", beta.rows[table])
        assert (updated, deleted) == ("UPDATE 0", "DELETE 0")
    async with tenant_tx(beta.tenant_id):
        still_there = await connection().fetchval(f"SELECT count(*) FROM {table} WHERE id = $1",
                                                  beta.rows[table])
        assert still_there == 1


@pytest.mark.parametrize("table", sorted(TENANT_KEY))
async def test_tenant_cannot_insert_rows_for_another_tenant(tenants, table):
    alfa, beta = tenants
    key = TENANT_KEY[table]
    # Copy one of alfa's rows with a fresh id, claiming beta as its tenant.
    overrides = {"id": uuid.uuid4(), key: beta.tenant_id}
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with tenant_tx(alfa.tenant_id):
            await connection().execute(
                f"""INSERT INTO {table}
                    SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(r) || $2::jsonb)).*
                    FROM {table} r WHERE r.id = $1""",
                alfa.rows[table], json.dumps({k: str(v) for k, v in overrides.items()}),
            )


# A tenant row's key is its primary key: the insert test covers the tenants table.
@pytest.mark.parametrize("table", sorted(set(TENANT_KEY) - {"tenants"}))
async def test_tenant_cannot_move_its_row_to_another_tenant(tenants, table):
    alfa, beta = tenants
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with tenant_tx(alfa.tenant_id):
            await connection().execute(f"UPDATE {table} SET tenant_id = $2 WHERE id = $1",
                                       alfa.rows[table], beta.tenant_id)


@pytest.mark.parametrize("table", sorted(TENANT_KEY) + ["users"])
async def test_no_tenant_set_sees_nothing(tenants, table):
    # Outside tenant_tx, through the pool and in a bare transaction alike.
    assert await engine().run_ddl(f"SELECT id FROM {table}") == []
    async with engine().transaction():
        assert await connection().fetch(f"SELECT id FROM {table}") == []


async def test_orm_queries_are_filtered_too(tenants):
    alfa, beta = tenants
    async with tenant_tx(beta.tenant_id):
        contents = await Message.select(Message.content).output(as_list=True)
    assert contents == ["Pytanie klienta beta"]


async def test_pooled_connection_does_not_keep_the_previous_tenant(tenants):
    alfa, _ = tenants
    for _ in range(5):  # the pool is small: later iterations reuse connections
        async with tenant_tx(alfa.tenant_id):
            assert await connection().fetchval("SELECT count(*) FROM messages") == 1
        assert await engine().run_ddl("SELECT id FROM messages") == []
        setting = await engine().run_ddl("SELECT current_setting('app.tenant_id', true) AS t")
        assert setting[0]["t"] in ("", None)


async def test_user_scope_sees_own_memberships_and_tenants_only(tenants):
    alfa, beta = tenants
    async with user_tx(alfa.user_id):
        assert [r["tenant_id"] for r in await connection().fetch("SELECT tenant_id FROM memberships")] == [
            alfa.tenant_id
        ]
        assert [r["id"] for r in await connection().fetch("SELECT id FROM tenants")] == [alfa.tenant_id]
        assert [r["id"] for r in await connection().fetch("SELECT id FROM users")] == [alfa.user_id]
        assert await connection().fetch("SELECT id FROM conversations") == []


async def test_users_of_other_tenants_are_invisible(tenants):
    alfa, beta = tenants
    async with tenant_tx(alfa.tenant_id):
        ids = {r["id"] for r in await connection().fetch("SELECT id FROM users")}
    assert ids == {alfa.user_id}


async def test_login_lookup_finds_user_by_email_without_exposing_the_table(tenants):
    alfa, _ = tenants
    async with tenant_tx(alfa.tenant_id):
        email = await connection().fetchval("SELECT email FROM users WHERE id = $1", alfa.user_id)
    rows = await engine().run_ddl(f"SELECT id FROM auth_find_user('{email.upper()}')")
    assert [r["id"] for r in rows] == [alfa.user_id]


async def test_nested_tenant_transactions_are_refused(tenants):
    alfa, beta = tenants
    with pytest.raises(TenantContextError):
        async with tenant_tx(alfa.tenant_id):
            async with tenant_tx(beta.tenant_id):
                pass


async def test_garbage_tenant_id_is_refused_before_reaching_sql():
    with pytest.raises(ValueError):
        async with tenant_tx("1' OR '1'='1"):
            pass


class TestAppRoleCannotSwitchRlsOff:
    async def test_role_is_not_superuser_bypassrls_or_owner(self):
        role = (await engine().run_ddl(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))[0]
        assert dict(role) == {"rolsuper": False, "rolbypassrls": False}
        owned = await engine().run_ddl(
            "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        assert owned[0]["n"] == 0

    @pytest.mark.parametrize("statement", [
        "ALTER TABLE messages DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE messages NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON messages",
        "CREATE POLICY everything ON messages USING (true)",
        "TRUNCATE messages",
        "SET ROLE bokai_owner",
        "SET SESSION AUTHORIZATION bokai_owner",
    ])
    async def test_statement_is_refused(self, statement):
        with pytest.raises(asyncpg.PostgresError):
            await engine().run_ddl(statement)

    async def test_row_security_off_errors_instead_of_bypassing(self, tenants):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with engine().transaction():
                await connection().execute("SET LOCAL row_security = off")
                await connection().fetch("SELECT id FROM messages")
