"""Where a seller may make us connect: only public addresses (no SSRF into our own network).

One check for every seller-given destination: the generic channel's callback URL, the e-mail
channel's SMTP host (and, through the generic check, event webhook URLs).
"""

from __future__ import annotations

import asyncio
import ipaddress

from shared.channels.senders import PermanentDeliveryError, TransientDeliveryError


async def ensure_public_host(host: str, port: int, refusal: str) -> None:
    """Every address ``host`` resolves to must be public; ``refusal`` tells the seller what to fix.

    A name that does not resolve now is a transient failure (DNS may be back on the next try).
    """
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
    except OSError:
        raise TransientDeliveryError(f"cannot resolve {host}") from None
    if any(not ipaddress.ip_address(info[4][0]).is_global for info in infos):
        raise PermanentDeliveryError(refusal)
