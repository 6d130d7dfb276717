"""Connecting to a vetted destination's addresses, never to its name (see shared.channels.destinations).

TLS still checks the certificate against the name: httpx2 gets it as the ``sni_hostname`` request
extension and keeps the original ``Host`` header; SMTP and IMAP get a socket already connected to the
address and the name as their server_hostname. Addresses are tried in the resolver's order, moving on
only when a connection could not be opened (nothing was sent yet), as a connect by name would.
"""

from __future__ import annotations

import asyncio
import socket

import httpx2

from shared.channels.destinations import Destination


class _PinnedTransport(httpx2.AsyncBaseTransport):
    def __init__(self, destination: Destination) -> None:
        self._destination = destination
        # Our own transport: the client then ignores HTTP(S)_PROXY, which would resolve the name again.
        self._transport = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        target = self._destination
        if request.url.raw_host.decode("ascii").lower() != target.host or request.url.port not in (None, target.port):
            # Only a redirect could lead elsewhere, and clients built here never follow one.
            raise httpx2.ConnectError(f"{request.url.host} is not the vetted destination", request=request)
        request.extensions = {**request.extensions, "sni_hostname": target.host}
        failure: httpx2.TransportError | None = None
        for address in target.addresses:
            # The Host header was set from the original URL when the request was built.
            request.url = request.url.copy_with(host=address)
            try:
                return await self._transport.handle_async_request(request)
            except (httpx2.ConnectError, httpx2.ConnectTimeout) as problem:
                failure = problem
        raise failure or httpx2.ConnectError("no address to connect to", request=request)

    async def aclose(self) -> None:
        await self._transport.aclose()


def pinned_client(destination: Destination, timeout: httpx2.Timeout) -> httpx2.AsyncClient:
    """A client for requests to ``destination`` only; redirects are not followed (they could lead anywhere)."""
    return httpx2.AsyncClient(transport=_PinnedTransport(destination), timeout=timeout, follow_redirects=False)


async def open_socket(destination: Destination, timeout: float) -> socket.socket:
    """A non-blocking TCP socket connected to one of the destination's addresses (for asyncio clients)."""
    loop = asyncio.get_running_loop()
    failure: OSError | None = None
    for address in destination.addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (address, destination.port)), timeout)
        except OSError as problem:  # TimeoutError is one
            sock.close()
            failure = problem
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise failure or OSError(f"no address to connect to for {destination.host}")


def connect_socket(destination: Destination, timeout: float) -> socket.socket:
    """A blocking TCP socket connected to one of the destination's addresses (for clients run in a thread)."""
    failure: OSError | None = None
    for address in destination.addresses:
        try:
            return socket.create_connection((address, destination.port), timeout)
        except OSError as problem:
            failure = problem
    raise failure or OSError(f"no address to connect to for {destination.host}")
