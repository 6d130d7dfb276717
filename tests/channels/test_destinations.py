"""Every connection to a seller-given host goes to the address that was vetted, never to a second lookup
(DNS rebinding): reply callbacks, event webhooks, SMTP (STARTTLS and implicit TLS) and IMAP, each over
real TLS whose certificate is still checked against the host name.

DNS is an external peer, so it is faked (``socket.getaddrinfo``, which asyncio, anyio and imaplib all
ask). The seller's server listens on 127.0.0.1, which the address check is told is public; 127.0.0.2
plays our own network (a metadata service, a database) on the same port. The fake DNS answers the
public address first and the private one on every later lookup, as a rebinding attacker's does.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import socketserver
import threading
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import httpx2
import pytest
import uvicorn

from shared.channels.destinations import Destination, is_public, vet
from shared.channels.email import sent_folder
from shared.channels.email import sender as email_sender
from shared.channels.email.sender import SmtpSender
from shared.channels.generic.sender import GenericSender
from shared.channels.pinned import pinned_client
from shared.channels.senders import OutboundReply, PermanentDeliveryError, TransientDeliveryError
from shared.events import urls
from shared.events.delivery import deliver
from shared.events.emit import stage_event
from shared.tenancy.db import tenant_tx
from tests.conversations.support import SECRET, generic_channel
from tests.events.receiver import EventReceiver
from tests.events.support import add_endpoint, deliveries, fresh_seller
from tests.fakes.generic_receiver import GenericReceiver
from tests.fakes.imap_peer import running_imap_peer
from tests.fakes.smtp_peer import running_smtp_peer
from tests.fakes.tls import ThrowawayAuthority
from tests.support import free_port, serve
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
SELLERS_SERVER, OUR_NETWORK = "127.0.0.1", "127.0.0.2"


class FakeDns:
    """Answers for the names it was told about (the first answer once, then the last one for good);
    every other name goes to the real resolver, so the test's own servers and databases still resolve."""

    def __init__(self, real) -> None:
        self._real, self._answers, self.asked = real, {}, []

    def point(self, name: str, *answers: list[str]) -> None:
        self._answers[name] = list(answers)

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - socket's signature
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self._answers:
            return self._real(host, port, family, type, proto, flags)
        self.asked.append(name)
        queue = self._answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        port = int(port or 0)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a else
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    # The seller's server on loopback stands in for a public address; every other check is the real one.
    real = ipaddress.IPv4Address.is_global
    monkeypatch.setattr(ipaddress.IPv4Address, "is_global",
                        property(lambda ip: str(ip) == SELLERS_SERVER or real.fget(ip)))
    return fake


@pytest.fixture
def authority(tmp_path, monkeypatch):
    """Our clients trust this CA alone, as production trusts the public ones."""
    ca = ThrowawayAuthority(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
    return ca


class _Recorder(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.connections.append(self.client_address)


@pytest.fixture
def our_network():
    """Something on our own network, listening on every port a test uses: it must never be reached."""
    servers: list[socketserver.ThreadingTCPServer] = []

    def listen(port: int) -> list:
        server = socketserver.ThreadingTCPServer((OUR_NETWORK, port), _Recorder)
        server.connections = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.connections

    yield listen
    for server in servers:
        server.shutdown()
        server.server_close()


@asynccontextmanager
async def https_server(app, port: int, authority: ThrowawayAuthority, host: str):
    chain, key = authority.server_files(host)
    server = uvicorn.Server(uvicorn.Config(app, host=SELLERS_SERVER, port=port, ssl_certfile=str(chain),
                                           ssl_keyfile=str(key), lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError("server did not start") from task.exception()
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def outcome(attempt):
    """What the attempt returned or raised: the test looks at where the connection went first."""
    try:
        return await attempt
    except Exception as problem:  # noqa: BLE001 - reported by the assertions that follow
        return problem


def reply_on(tenant_id, account_id, platform: str) -> OutboundReply:
    return OutboundReply(tenant_id=tenant_id, message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
                         channel_account_id=account_id, platform=platform, platform_conversation_id="chat-1",
                         text="Paczka wyszła dziś.", idempotency_key=f"bokai-{uuid.uuid4()}",
                         claimed_at=datetime.now(timezone.utc),
                         in_reply_to_meta={"email": {"from": "kupujacy@mail.pl", "subject": "Paczka"}})


# --- the check itself --------------------------------------------------------------------------------

async def test_one_lookup_gives_the_addresses_and_any_private_one_refuses_the_host(dns):
    dns.point("shop.rebind.test", [SELLERS_SERVER])
    destination = await vet("Shop.Rebind.Test.", 443, "private!")
    assert (destination.host, destination.port, destination.addresses) == ("shop.rebind.test", 443, (SELLERS_SERVER,))
    dns.point("mixed.rebind.test", [SELLERS_SERVER, OUR_NETWORK])
    with pytest.raises(PermanentDeliveryError, match="private!"):
        await vet("mixed.rebind.test", 443, "private!")
    assert (await vet("mixed.rebind.test", 443, "private!", allow_private=True)).addresses == (SELLERS_SERVER,
                                                                                               OUR_NETWORK)
    with pytest.raises(PermanentDeliveryError, match="not a valid host name"):
        await vet("a..b", 443, "private!")
    with pytest.raises(TransientDeliveryError, match="cannot resolve"):
        await vet("nowhere.invalid", 443, "private!")
    assert dns.asked == ["shop.rebind.test", "mixed.rebind.test", "mixed.rebind.test"]


def test_ipv4_inside_ipv6_must_be_public_too():
    assert is_public("2001:4860:4860::8888") and is_public("2002:808:808::")
    assert not is_public("2002:a00:1::")  # 6to4 of 10.0.0.1
    assert not is_public("64:ff9b::a9fe:a9fe")  # NAT64 of 169.254.169.254
    assert not is_public("::ffff:10.0.0.1") and not is_public("fd00::1")


async def test_a_pinned_client_tries_the_vetted_addresses_in_order_and_goes_nowhere_else():
    shop = GenericReceiver(SECRET.encode())
    async with serve(shop) as local:
        # Nothing listens on 127.0.0.3: refused before anything was sent, so the next address is tried.
        destination = Destination(host="shop.pinned.test", port=local.base_url.port, addresses=("127.0.0.3",
                                                                                                 SELLERS_SERVER))
        async with pinned_client(destination, httpx2.Timeout(5)) as client:
            answer = await client.get(f"http://shop.pinned.test:{local.base_url.port}/bokai?idempotencyKey=k")
            with pytest.raises(httpx2.ConnectError, match="not the vetted destination"):
                await client.get(f"http://elsewhere.test:{local.base_url.port}/bokai")
    assert answer.status_code < 500 and [c.method for c in shop.calls] == ["GET"]  # it arrived, once


# --- each connection goes where the check looked -----------------------------------------------------

async def test_reply_callbacks_go_to_the_vetted_address(dns, authority, our_network, monkeypatch):
    monkeypatch.delenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", raising=False)  # production rules
    port = free_port()
    trap = our_network(port)
    shop = GenericReceiver(SECRET.encode())
    seller = await seed_tenant(f"rebind-{uuid.uuid4().hex[:6]}")
    account = await generic_channel(seller.tenant_id, f"https://shop.rebind.test:{port}/bokai/replies")
    dns.point("shop.rebind.test", [SELLERS_SERVER], [OUR_NETWORK])
    async with https_server(shop, port, authority, "shop.rebind.test"):
        receipt = await outcome(GenericSender().send(reply_on(seller.tenant_id, account, "generic")))
    assert trap == [], f"the callback reached our own network ({receipt!r})"
    assert receipt.platform_message_id and [c.body["text"] for c in shop.calls] == ["Paczka wyszła dziś."]
    assert dns.asked == ["shop.rebind.test"]


async def test_a_certificate_for_another_name_is_still_refused(dns, authority, our_network, monkeypatch):
    monkeypatch.delenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", raising=False)
    port = free_port()
    shop = GenericReceiver(SECRET.encode())
    seller = await seed_tenant(f"rebind-{uuid.uuid4().hex[:6]}")
    account = await generic_channel(seller.tenant_id, f"https://shop.rebind.test:{port}/bokai/replies")
    dns.point("shop.rebind.test", [SELLERS_SERVER])
    async with https_server(shop, port, authority, "someone-else.test"):
        with pytest.raises(TransientDeliveryError, match="could not be reached"):
            await GenericSender().send(reply_on(seller.tenant_id, account, "generic"))
    assert shop.calls == []


async def test_event_webhooks_go_to_the_vetted_address(dns, authority, our_network, monkeypatch):
    monkeypatch.setenv("EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS", "false")
    port = free_port()
    monkeypatch.setattr(urls, "ALLOWED_PORTS", frozenset({port}))  # 443 needs root
    trap = our_network(port)
    seller = await fresh_seller("ev-rebind")
    receiver = EventReceiver(port=port)
    _, receiver.secret = await add_endpoint(seller.tenant_id, f"https://hooks.rebind.test:{port}/events")
    async with tenant_tx(seller.tenant_id):
        [job] = await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})
    dns.point("hooks.rebind.test", [SELLERS_SERVER], [OUR_NETWORK])
    async with https_server(receiver, port, authority, "hooks.rebind.test"):
        delivered = await outcome(deliver(seller.tenant_id, job.args[1]))
    assert trap == [], f"the event reached our own network ({delivered!r})"
    assert delivered == "delivered" and [c.signature_valid for c in receiver.calls] == [True]
    assert [d.status for d in await deliveries(seller.tenant_id)] == ["delivered"]
    assert dns.asked == ["hooks.rebind.test"]


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_smtp_goes_to_the_vetted_address(dns, authority, our_network, monkeypatch, security):
    monkeypatch.delenv("EMAIL_CHANNEL_ALLOW_PRIVATE_SMTP_HOSTS", raising=False)
    seller = await seed_tenant(f"rebind-{uuid.uuid4().hex[:6]}")
    with running_smtp_peer(tls_context=authority.server_context("smtp.rebind.test"),
                           implicit_tls=security == "tls") as smtp:
        monkeypatch.setattr(email_sender, "SMTP_PORTS", frozenset({smtp.port}))
        trap = our_network(smtp.port)
        account = await add_channel(seller.tenant_id, "email", {"smtpPassword": smtp.password, "inboundToken": "t"}, {
            "fromAddress": "sklep@rebind.test", "smtpHost": "smtp.rebind.test", "smtpPort": smtp.port,
            "smtpSecurity": security, "smtpUsername": smtp.username})
        dns.point("smtp.rebind.test", [SELLERS_SERVER], [OUR_NETWORK])
        receipt = await outcome(SmtpSender().send(reply_on(seller.tenant_id, account, "email")))
    assert trap == [], f"SMTP reached our own network ({receipt!r})"
    [mail] = smtp.received
    assert mail.message["Message-ID"] == receipt.platform_message_id and mail.recipients == ["kupujacy@mail.pl"]
    assert dns.asked == ["smtp.rebind.test"]


async def test_imap_goes_to_the_vetted_address(dns, authority, our_network, monkeypatch):
    with running_smtp_peer(username="sklep@rebind.test") as smtp, \
            running_imap_peer(smtp, tls_context=authority.server_context("imap.rebind.test")) as imap:
        monkeypatch.setattr(sent_folder, "IMAP_PORTS", frozenset({imap.port}))
        trap = our_network(imap.port)
        dns.point("imap.rebind.test", [SELLERS_SERVER], [OUR_NETWORK])
        found = await outcome(sent_folder.in_sent_folder(
            {"imapHost": "imap.rebind.test", "imapPort": imap.port, "imapSecurity": "tls",
             "imapUsername": smtp.username}, {"imapPassword": smtp.password}, "<none@rebind.test>",
            allow_private=False))
    assert trap == [], f"IMAP reached our own network ({found!r})"
    assert found is False and {"LOGIN", "SEARCH"} <= set(imap.commands)
    assert dns.asked == ["imap.rebind.test"]
