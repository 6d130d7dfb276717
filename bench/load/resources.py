"""What the servers use: memory and CPU time of each process tree, disk and Redis, read from /proc.

Memory is reported as RSS and PSS (``/proc/<pid>/smaps_rollup``): PSS splits shared pages between
the processes sharing them, so a Postgres total (postmaster + one backend per connection, all
mapping the same shared buffers) is not counted many times over. CPU is user + system time in
seconds (``/proc/<pid>/stat``), so "per core" throughput is work done / CPU seconds spent on it; a
process's time includes its children that exited and were reaped (a Postgres backend whose connection
closed between two snapshots still counts, in the postmaster).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    rss_mb: float = 0.0
    pss_mb: float = 0.0
    cpu_seconds: float = 0.0
    processes: int = 0
    # Open file descriptors (Weaviate keeps ~10 per active tenant; its LimitNOFILE bounds the tenants).
    open_files: int = 0


@dataclass
class Snapshot:
    components: dict[str, Usage] = field(default_factory=dict)
    postgres_database_mb: float = 0.0
    redis_used_memory_mb: float = 0.0
    weaviate_dir_mb: float = 0.0
    minio_dir_mb: float = 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "components": {k: asdict(v) for k, v in self.components.items()}}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def process_tree(root: int, tree: dict[int, list[int]] | None = None) -> list[int]:
    """``root`` and every descendant (a watchdog's uvicorn, Postgres backends, dramatiq's workers)."""
    tree = _children() if tree is None else tree
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def _process_usage(pid: int) -> Usage | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    fields = {line.split(":")[0]: line.split()[1] for line in rollup.splitlines()[1:] if ":" in line}
    try:
        open_files = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        open_files = 0
    return Usage(rss_mb=int(fields.get("Rss", 0)) / 1024, pss_mb=int(fields.get("Pss", 0)) / 1024,
                 cpu_seconds=sum(int(ticks) for ticks in stat[11:15]) / CLOCK_TICKS, processes=1,
                 open_files=open_files)


def tree_usage(roots: list[int], tree: dict[int, list[int]] | None = None) -> Usage:
    total = Usage()
    tree = _children() if tree is None else tree
    for root in roots:
        for pid in process_tree(root, tree):
            usage = _process_usage(pid)
            if usage is None:
                continue
            total.rss_mb += usage.rss_mb
            total.pss_mb += usage.pss_mb
            total.cpu_seconds += usage.cpu_seconds
            total.processes += 1
            total.open_files += usage.open_files
    return total


def directory_mb(path: Path) -> float:
    """Allocated size, like ``du``: blocks, not apparent length."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                continue
    return total / 2**20


def read_pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


async def server_pids(state_dir: Path) -> dict[str, list[int]]:
    """The shared servers: Postgres and Redis as the configured URLs reach them (the postmaster is the
    parent of this connection's backend; Redis names its own pid), the others from scripts/stack's pid files."""
    from shared.infra.postgres import engine
    from shared.infra.redis import make_redis

    async with engine().pool.acquire() as connection:
        backend = await connection.fetchval("SELECT pg_backend_pid()")
    redis = make_redis()
    try:
        redis_pid = int((await redis.info("server"))["process_id"])
    finally:
        await redis.aclose()
    pids = {"postgres": [_parent(backend)], "redis": [redis_pid]}
    run = state_dir / "run"
    for name in ("weaviate", "minio", "embeddings", "llm"):
        if pid := read_pid(run / f"{name}.pid"):
            pids[name] = [pid]
    return pids


def stack_app_pids(state_dir: Path) -> dict[str, list[int]]:
    """The stack's own workers (one per priority class, counted together), gateway and functions
    (used when the load runs against them)."""
    pids: dict[str, list[int]] = {}
    for path in sorted((state_dir / "run").glob("*.pid")):
        name = path.stem
        if name in ("worker", "gateway") or name.startswith(("fn-", "worker-")):
            if pid := read_pid(path):
                pids.setdefault("worker" if name.startswith("worker") else name, []).append(pid)
    return pids


async def snapshot(components: dict[str, list[int]], state_dir: Path) -> Snapshot:
    from shared.infra.postgres import engine
    from shared.infra.redis import make_redis

    tree = _children()
    result = Snapshot(components={name: tree_usage(pids, tree) for name, pids in components.items()})
    async with engine().pool.acquire() as connection:
        result.postgres_database_mb = await connection.fetchval(
            "SELECT pg_database_size(current_database())") / 2**20
    redis = make_redis()
    try:
        result.redis_used_memory_mb = (await redis.info("memory"))["used_memory"] / 2**20
    finally:
        await redis.aclose()
    result.weaviate_dir_mb = directory_mb(state_dir / "weaviate")
    result.minio_dir_mb = directory_mb(state_dir / "minio")
    return result


INDEX_ENTRY_BYTES = 40
TENANT_TABLES_SQL = """SELECT table_name FROM information_schema.columns
 WHERE column_name = 'tenant_id' AND table_schema = 'public' ORDER BY 1"""


async def tenant_row_bytes(tenant_ids: list[str]) -> dict[str, dict[str, float]]:
    """Rows and bytes the given sellers hold in each tenant table, read under row-level security.

    ``pg_database_size`` is no per-seller measure once earlier runs deleted rows (new rows reuse the
    freed space), so each table's rows of these sellers are counted and sized (``pg_column_size``).
    Their index entries are estimated at ``INDEX_ENTRY_BYTES`` per row per index of the table (a
    btree entry on a uuid: 8 B tuple header + 16 B key + 4 B line pointer, plus page slack).
    """
    from shared.infra.postgres import engine
    from shared.tenancy.db import tenant_tx, tx_connection

    async with engine().pool.acquire() as connection:
        tables = [r["table_name"] for r in await connection.fetch(TENANT_TABLES_SQL)]
        indexes = {r["tablename"]: r["n"] for r in await connection.fetch(
            "SELECT tablename, count(*) AS n FROM pg_indexes WHERE schemaname = 'public' GROUP BY 1")}
    query = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n, coalesce(sum(pg_column_size(x.*)), 0) AS bytes "
                               f"FROM {t} x" for t in tables)
    totals = {t: {"rows": 0, "row_bytes": 0} for t in tables}
    for tenant_id in tenant_ids:
        async with tenant_tx(tenant_id):
            for row in await tx_connection().fetch(query):
                totals[row["t"]]["rows"] += row["n"]
                totals[row["t"]]["row_bytes"] += row["bytes"]
    for table, total in totals.items():
        total["indexes"] = indexes.get(table, 0)
        total["index_bytes_estimate"] = total["rows"] * total["indexes"] * INDEX_ENTRY_BYTES
    return totals
