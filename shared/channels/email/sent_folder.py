"""Reconciling an interrupted SMTP send by looking its Message-ID up in the seller's IMAP "Sent" folder.

SMTP cannot be asked whether a message it accepted earlier went out. Many providers (Gmail, Microsoft
365, ...) file every message submitted through SMTP in the mailbox's Sent folder, so a reply whose
deterministic Message-ID (``reply_message_id``) is there was sent, and one that is not there was not.
That holds only where the provider really files submitted mail: the channel's "send a test message"
proves it (the test mail must appear in Sent) and only then sets ``imapSentVerified``; without that
proof an interrupted reply still ends as "delivery uncertain" rather than risk a second send.

stdlib ``imaplib`` (the well-kept standard client) runs in a worker thread; one short session per lookup.
"""

from __future__ import annotations

import asyncio
import imaplib
import re
import socket
import ssl

from shared.channels.destinations import Destination, vet
from shared.channels.pinned import connect_socket
from shared.channels.senders import PermanentDeliveryError, TransientDeliveryError

IMAP_TIMEOUT_SECONDS = 20
IMAP_PORTS = frozenset({143, 993})
VERIFIED_KEY = "imapSentVerified"
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>"(?:[^"\\]|\\.)*"|\S+)$')


class SentFolderError(Exception):
    """The mailbox could not be asked (login refused, no Sent folder, connection trouble)."""


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sent_folder(imap: imaplib.IMAP4) -> str:
    """The folder flagged ``\\Sent`` (RFC 6154 special use), else the usual name "Sent"."""
    typ, lines = imap.list()
    for line in lines if typ == "OK" else []:
        match = _LIST_LINE.match(line or b"")
        if match and b"\\sent" in match["flags"].lower():
            name = match["name"].decode("utf-8", "replace")
            return name[1:-1].replace('\\"', '"').replace("\\\\", "\\") if name.startswith('"') else name
    return "Sent"


class _PinnedIMAP4(imaplib.IMAP4):
    """Connects to the vetted address; ``host`` stays the name, which STARTTLS verifies the certificate against."""

    def __init__(self, destination: Destination, timeout: float) -> None:
        self._destination = destination
        super().__init__(destination.host, destination.port, timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return connect_socket(self._destination, timeout)


class _PinnedIMAP4_SSL(imaplib.IMAP4_SSL):  # noqa: N801 - imaplib's naming
    """Implicit TLS to the vetted address, verified against the name."""

    def __init__(self, destination: Destination, timeout: float) -> None:
        self._destination = destination
        super().__init__(destination.host, destination.port, ssl_context=ssl.create_default_context(),
                         timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return self.ssl_context.wrap_socket(connect_socket(self._destination, timeout), server_hostname=self.host)


def _open(settings: dict, destination: Destination) -> imaplib.IMAP4:
    security = settings.get("imapSecurity", "tls")
    if security == "tls":
        return _PinnedIMAP4_SSL(destination, IMAP_TIMEOUT_SECONDS)
    imap = _PinnedIMAP4(destination, IMAP_TIMEOUT_SECONDS)
    if security == "starttls":
        imap.starttls(ssl.create_default_context())
    return imap


def _search(settings: dict, credentials: dict, message_id: str, destination: Destination) -> bool:
    try:
        with _open(settings, destination) as imap:
            imap.login(settings.get("imapUsername") or settings.get("smtpUsername") or "",
                       credentials.get("imapPassword") or credentials.get("smtpPassword") or "")
            folder = settings.get("sentFolder") or _sent_folder(imap)
            typ, _ = imap.select(_quoted(folder), readonly=True)
            if typ != "OK":
                raise SentFolderError(f"the mailbox has no folder {folder!r}")
            typ, found = imap.search(None, "HEADER", "Message-ID", _quoted(message_id))
            if typ != "OK":
                raise SentFolderError("the IMAP server refused the search")
            return bool(found and found[0] and found[0].split())
    except imaplib.IMAP4.error as refused:
        # imaplib's message is the server's answer text: no password in it.
        raise SentFolderError(f"the IMAP server refused: {str(refused)[:200]}") from None
    except (OSError, TimeoutError, ssl.SSLError) as down:
        raise SentFolderError(f"the IMAP server could not be reached ({type(down).__name__})") from None


async def check_imap_destination(settings: dict, allow_private: bool) -> Destination:
    """Like the SMTP check: a seller's IMAP host must not reach our own network or odd ports."""
    host, port = settings.get("imapHost") or "", int(settings.get("imapPort") or 993)
    if port not in IMAP_PORTS and not allow_private:
        raise PermanentDeliveryError(f"IMAP port {port} is not allowed; use 993 or 143.")
    return await vet(host, port, "The IMAP host of your email channel points to a private network address; use "
                                 "your mail provider's public host name.", allow_private=allow_private)


async def in_sent_folder(settings: dict, credentials: dict, message_id: str, *, allow_private: bool) -> bool:
    """Whether ``message_id`` is in the mailbox's Sent folder. Raises SentFolderError when it cannot tell."""
    try:
        destination = await check_imap_destination(settings, allow_private)
    except TransientDeliveryError as unresolved:
        raise SentFolderError(str(unresolved)) from None
    return await asyncio.to_thread(_search, settings, credentials, message_id, destination)
