"""Seller-given host names and sender addresses in the one form DNS, TLS and SMTP accept (IDNA 2008)."""

from __future__ import annotations

import ipaddress
import re

import idna

# RFC 5322 dot-atom: SMTP without the SMTPUTF8 extension carries nothing else in a local part.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


class InvalidHost(ValueError):
    """Not a name we could ever connect to or send from; the message says why, for the seller."""


def ascii_host(host: str) -> str:
    """An IP literal as is, a name as lower-case A-labels without the root dot.

    UTS 46 mapping then IDNA 2008, as the httpx2 client encodes URLs: empty labels (``.``, ``a..b``),
    labels over 63 octets, ``_``, spaces and malformed ``xn--`` labels are refused here, at creation,
    instead of failing later inside the resolver (a UnicodeError there was a 500).
    """
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") and host != "." else host
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except UnicodeError as invalid:  # idna.IDNAError is one
        raise InvalidHost(f"{host!r} is not a valid host name ({invalid}).") from None


def ascii_address(address: str) -> str:
    """``local@domain`` with an ASCII dot-atom local part and the domain as A-labels, lower-cased."""
    local, at, domain = address.rpartition("@")
    if not at or len(local) > 64 or not _LOCAL_PART.match(local):
        raise InvalidHost(f"{address!r} cannot be a sender address: the part before @ must be plain ASCII "
                          "letters, digits and . ! # $ % & ' * + / = ? ^ _ ` { | } ~ -.")
    return f"{local}@{ascii_host(domain)}".lower()
