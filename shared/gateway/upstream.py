"""HTTP/1.1 connections to the watchdogs (h11 over asyncio streams), kept for reuse like an HTTP client's pool.

A connection reads the watchdog's answer while the caller's body is still being written: a function answers
early (unknown channel, no token, over the size limit) and its watchdog then closes the connection under the
unread rest of the body. A client that writes the whole request before reading (httpx) loses the answer to
that reset; Go's ReverseProxy, the OpenFaaS gateway, reads both ways at once, and so does this.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import h11

READ_SIZE = 64 * 1024
# As httpx's default: a connection idle longer is dropped, well before the watchdog's own idle timeout
# (its read_timeout, 35 s) could close it under a request being sent.
KEEPALIVE_EXPIRY = 5.0
MAX_IDLE_PER_UPSTREAM = 16


class UpstreamConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.http = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0

    async def send(self, event: h11.Event) -> None:
        data = self.http.send(event)
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def next_event(self, timeout: float | None) -> h11.Event:
        """The next event of the answer; `timeout` bounds each wait for bytes, as an HTTP client's read timeout."""
        while True:
            event = self.http.next_event()
            if event is not h11.NEED_DATA:
                return event
            async with asyncio.timeout(timeout):
                data = await self.reader.read(READ_SIZE)
            self.http.receive_data(data)  # b"" is the peer's close: h11 then raises on a cut-short answer

    def usable_again(self) -> bool:
        if self.reader.at_eof() or self.writer.is_closing():  # the watchdog closed it while it was idle
            return False
        return time.monotonic() - self.idle_since < KEEPALIVE_EXPIRY

    def close(self) -> None:
        self.writer.close()


class UpstreamPool:
    def __init__(self, connect_timeout: float) -> None:
        self._connect_timeout = connect_timeout
        self._idle: dict[tuple[str, int], list[UpstreamConnection]] = {}

    async def connect(self, url: str) -> UpstreamConnection:
        """An idle connection to `url`'s host, or a new one (OSError when refused, TimeoutError when slow)."""
        address = _address(url)
        idle = self._idle.get(address, [])
        while idle:
            connection = idle.pop()
            if connection.usable_again():
                return connection
            connection.close()
        async with asyncio.timeout(self._connect_timeout):
            reader, writer = await asyncio.open_connection(*address)
        return UpstreamConnection(reader, writer)

    def release(self, url: str, connection: UpstreamConnection) -> None:
        """Keep the connection for the next call only when both sides finished their message and may go on."""
        http = connection.http
        idle = self._idle.setdefault(_address(url), [])
        if http.our_state is h11.DONE and http.their_state is h11.DONE and len(idle) < MAX_IDLE_PER_UPSTREAM:
            http.start_next_cycle()
            connection.idle_since = time.monotonic()
            idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80
