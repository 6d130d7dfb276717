"""A redis-server of the test's own, on a free port, that the test may stop, restart or freeze."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from tests.support import free_port


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Returns once it answers PING (a test that freezes it must find it listening)."""
        # Append-only file, like the stack's Redis: a restart keeps the queues.
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--dir", str(self.directory), "--appendonly", "yes", "--save", ""],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            for _ in range(100):
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()
