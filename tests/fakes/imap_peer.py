"""Contract fake of a mail provider's IMAP server (RFC 3501 subset + RFC 6154 special use), for the Sent-folder
lookup: CAPABILITY, LOGIN, LIST, SELECT/EXAMINE, SEARCH HEADER, NOOP, LOGOUT.

Like Gmail or Microsoft 365, it files every message its SMTP side (``SmtpPeer``) accepted from the
mailbox's user into the folder flagged ``\\Sent`` — unless ``files_sent_mail`` is off, as with the
many providers that do not. Plain TCP on loopback, or implicit TLS (993) with a server ``tls_context``;
a thread per connection.
"""

from __future__ import annotations

import re
import socketserver
import ssl
import threading
from dataclasses import dataclass, field

from tests.fakes.smtp_peer import SmtpPeer
from tests.support import free_port

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


def _tokens(line: str) -> list[str]:
    return [m.group(1).replace('\\"', '"').replace("\\\\", "\\") if m.group(1) is not None else m.group(2)
            for m in _TOKEN.finditer(line)]


@dataclass
class ImapPeer:
    smtp: SmtpPeer
    sent_folder: str = "Sent Items"
    files_sent_mail: bool = True
    refuse_login: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    commands: list[str] = field(default_factory=list)

    def sent(self) -> list:
        if not self.files_sent_mail:
            return []
        return [m.message for m in self.smtp.received if m.login == self.smtp.username]


class _Session(socketserver.StreamRequestHandler):
    peer: ImapPeer

    def _send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._send("* OK [CAPABILITY IMAP4rev1 SPECIAL-USE] fake IMAP ready")
        authenticated, selected = False, None
        while raw := self.rfile.readline():
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.peer.commands.append(command)
            if command == "CAPABILITY":
                self._send("* CAPABILITY IMAP4rev1 SPECIAL-USE")
                self._send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = (_tokens(args) + ["", ""])[:2]
                if self.peer.refuse_login or (user, password) != (self.peer.smtp.username, self.peer.smtp.password):
                    self._send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                    continue
                authenticated = True
                self._send(f"{tag} OK LOGIN completed")
            elif command == "LOGOUT":
                self._send("* BYE logging out")
                self._send(f"{tag} OK LOGOUT completed")
                return
            elif command == "NOOP":
                self._send(f"{tag} OK NOOP completed")
            elif not authenticated:
                self._send(f"{tag} BAD log in first")
            elif command == "LIST":
                self._send('* LIST (\\HasNoChildren) "/" "INBOX"')
                self._send(f'* LIST (\\HasNoChildren \\Sent) "/" "{self.peer.sent_folder}"')
                self._send('* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"')
                self._send(f"{tag} OK LIST completed")
            elif command in ("SELECT", "EXAMINE"):
                [name] = _tokens(args)[:1] or [""]
                if name not in ("INBOX", "Drafts", self.peer.sent_folder):
                    self._send(f"{tag} NO [NONEXISTENT] Unknown mailbox")
                    continue
                selected = name
                count = len(self.peer.sent()) if name == self.peer.sent_folder else 0
                self._send(f"* {count} EXISTS")
                self._send("* 0 RECENT")
                self._send(f"{tag} OK [READ-ONLY] {command} completed")
            elif command == "SEARCH" and selected is not None:
                criteria = _tokens(args)
                if len(criteria) != 3 or criteria[0].upper() != "HEADER":
                    self._send(f"{tag} BAD only SEARCH HEADER <field> <value> is supported here")
                    continue
                header, value = criteria[1], criteria[2].lower()
                messages = self.peer.sent() if selected == self.peer.sent_folder else []
                hits = [str(i + 1) for i, m in enumerate(messages) if value in str(m.get(header, "")).lower()]
                self._send("* SEARCH" + "".join(f" {n}" for n in hits))
                self._send(f"{tag} OK SEARCH completed")
            else:
                self._send(f"{tag} BAD unsupported command")


class _TlsServer(socketserver.ThreadingTCPServer):
    tls_context: ssl.SSLContext

    def get_request(self):
        connection, address = self.socket.accept()
        # A failed handshake is an OSError, which socketserver drops with the connection.
        return self.tls_context.wrap_socket(connection, server_side=True), address


class running_imap_peer:
    """``with running_imap_peer(smtp_peer) as imap:`` — the server lives for the block."""

    def __init__(self, smtp: SmtpPeer, *, tls_context: ssl.SSLContext | None = None, **options) -> None:
        self.peer = ImapPeer(smtp, **options)
        self.peer.port = free_port()
        handler = type("Session", (_Session,), {"peer": self.peer})
        server_class = socketserver.ThreadingTCPServer if tls_context is None else type(
            "TlsServer", (_TlsServer,), {"tls_context": tls_context})
        self._server = server_class((self.peer.host, self.peer.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ImapPeer:
        self._thread.start()
        return self.peer

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
