"""Where a seller may make us connect: only public addresses (no SSRF into our own network).

One check for every seller-given destination: the generic channel's callback URL, the e-mail
channel's SMTP and IMAP hosts, event webhook URLs. ``vet`` resolves the name once and returns the
addresses it checked; connections then go to those addresses only (``shared.channels.pinned``), never
to the name again — a second lookup could answer differently (DNS rebinding: public when checked,
169.254.169.254 or 10.x when connected).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import msgspec

from shared.channels.hostnames import InvalidHost, ascii_host
from shared.channels.senders import PermanentDeliveryError, TransientDeliveryError

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Destination(msgspec.Struct, frozen=True):
    # A-labels: what the Host header, TLS SNI and the certificate check use.
    host: str
    port: int
    # What ``host`` resolved to when it was vetted, in the resolver's order of preference.
    addresses: tuple[str, ...]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if not ip.is_global:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 carried inside IPv6 (6to4, NAT64) reaches that IPv4 address: it must be public too.
        embedded = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        return embedded is None or embedded.is_global
    return True


async def vet(host: str, port: int, refusal: str, *, allow_private: bool = False) -> Destination:
    """Resolve ``host`` once; every address must be public unless ``allow_private`` (local runs and tests).

    ``refusal`` tells the seller what to fix when an address is private. A name that does not resolve
    now is a transient failure (DNS may be back on the next try); a name that cannot exist is permanent.
    """
    try:
        name = ascii_host(host)
    except InvalidHost as invalid:
        raise PermanentDeliveryError(f"{invalid} Correct it in the settings.") from None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError:
        raise TransientDeliveryError(f"cannot resolve {name}") from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TransientDeliveryError(f"cannot resolve {name}")
    if not allow_private and not all(is_public(address) for address in addresses):
        raise PermanentDeliveryError(refusal)
    return Destination(host=name, port=port, addresses=addresses)
