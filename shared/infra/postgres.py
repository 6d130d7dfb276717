"""PostgreSQL engine (Piccolo + asyncpg) and its connection pool."""

from __future__ import annotations

from typing import ClassVar

from piccolo.engine.postgres import PostgresEngine

from shared.settings import Settings, load


class DatabaseSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "DATABASE_"
    # Functions and workers connect as the runtime app role (RLS applies); migrations run with the
    # owner role's URL in the same variable, see scripts/stack migrate.
    url: str
    pool_min_size: int = 1
    pool_max_size: int = 10


def make_engine() -> PostgresEngine:
    settings = load(DatabaseSettings)
    return PostgresEngine(config={"dsn": settings.url})


def engine() -> PostgresEngine:
    from piccolo.engine import engine_finder

    found = engine_finder()
    if not isinstance(found, PostgresEngine):
        raise RuntimeError("piccolo_conf.DB must be a PostgresEngine")
    return found


# Several apps can share one process (the local gateway hosts every function; tests host apps
# next to their own pool): the pool is opened by the first user and closed by the last.
_pool_users = 0


async def open_pool() -> None:
    """Open the pool once per process (app lifespan / worker boot), never per request."""
    global _pool_users
    _pool_users += 1
    db = engine()
    if db.pool is None:
        settings = load(DatabaseSettings)
        await db.start_connection_pool(min_size=settings.pool_min_size, max_size=settings.pool_max_size)


async def close_pool() -> None:
    global _pool_users
    _pool_users = max(0, _pool_users - 1)
    db = engine()
    if _pool_users == 0 and db.pool is not None:
        await db.close_connection_pool()


async def execute_script(sql: str) -> None:
    """Run several SQL statements in one round trip (raw migrations), in the current transaction if any."""
    transaction = engine().current_transaction.get()
    if transaction is not None:
        await transaction.connection.execute(sql)
        return
    connection = await engine().get_new_connection()
    try:
        await connection.execute(sql)
    finally:
        await connection.close()
