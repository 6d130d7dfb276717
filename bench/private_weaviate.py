"""A private Weaviate for a bench, started by the stack's own script (same binary, same settings).

Memory per tenant cannot be read off a server other people's tests write to, and the ``dynamic``
index needs a server started with ``ASYNC_INDEXING=true``, which the shared stack must not have
(docs/deploy.md §5). ``scripts/stack start weaviate`` with its own state directory and ports gives
a second server configured exactly like the first, plus whatever ``extra_env`` adds; it is stopped
(and its data deleted) when the block ends.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.infra.vectors import VectorStoreSettings

ROOT = Path(__file__).resolve().parents[1]
# Below the ephemeral range like the stack's own ports, clear of the stack (18080…) and the fault
# stack (17180…); gRPC, gossip, data, raft and raft RPC follow.
BASE_PORT = 28480


@dataclass
class PrivateWeaviate:
    settings: VectorStoreSettings
    state_dir: str
    env: dict[str, str]
    pid: int = 0

    def stack(self, command: str) -> None:
        """``scripts/stack <command> weaviate`` on this server (start, stop, restart)."""
        done = subprocess.run([ROOT / "scripts" / "stack", command, "weaviate"], env=self.env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"private weaviate {command} failed: {done.stdout[-500:]}{done.stderr[-500:]}")
        if command != "stop":
            self.pid = int((Path(self.state_dir) / "run" / "weaviate.pid").read_text())


def _env(state_dir: str, base: int, extra_env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **extra_env, "BOKAI_STATE_DIR": state_dir,
            "WEAVIATE_PORT": str(base), "WEAVIATE_GRPC_PORT": str(base + 1),
            "WEAVIATE_GOSSIP_PORT": str(base + 2), "WEAVIATE_DATA_PORT": str(base + 3),
            "WEAVIATE_RAFT_PORT": str(base + 4), "WEAVIATE_RAFT_RPC_PORT": str(base + 5)}


@asynccontextmanager
async def private_weaviate(extra_env: dict[str, str] | None = None, *, base_port: int = BASE_PORT
                           ) -> AsyncIterator[PrivateWeaviate]:
    with tempfile.TemporaryDirectory(prefix="bokai-bench-weaviate-") as state_dir:
        server = PrivateWeaviate(VectorStoreSettings(http_port=base_port, grpc_port=base_port + 1), state_dir,
                                 _env(state_dir, base_port, extra_env or {}))
        server.stack("start")
        try:
            yield server
        finally:
            server.stack("stop")


def stack_weaviate_pid() -> int | None:
    """The stack's Weaviate process (scripts/stack records it), when this machine runs the stack."""
    path = Path(os.environ.get("BOKAI_STATE_DIR", ROOT / ".state")) / "run" / "weaviate.pid"
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_files(pid: int) -> int:
    """File descriptors the process holds (each ACTIVE tenant's segments are open files)."""
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))
