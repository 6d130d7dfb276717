"""Contract fake of a mail provider's SMTP submission server (aiosmtpd): records what it accepts.

Misbehaviour on demand: ``refuse_auth`` (535), ``temporary_failure`` (451 on DATA). With a server
``tls_context`` it speaks TLS like a real provider: STARTTLS required (587), or ``implicit_tls`` (465).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support import free_port


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    message: EmailMessage
    login: str | None


@dataclass
class SmtpPeer:
    username: str = "sklep@example.pl"
    password: str = "smtp-haslo"
    refuse_auth: bool = False
    temporary_failure: bool = False
    received: list[ReceivedMail] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and not self.refuse_auth
              and auth_data.login.decode() == self.username and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd hook name
        if self.temporary_failure:
            return "451 4.3.0 Try again later"
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, login))
        return "250 OK queued"


class running_smtp_peer:
    """``with running_smtp_peer() as peer:`` — the server thread lives for the block."""

    def __init__(self, *, tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False, **options) -> None:
        self.peer = SmtpPeer(**options)
        self.peer.port = free_port()
        tls = {} if tls_context is None else {"ssl_context": tls_context} if implicit_tls else {
            "tls_context": tls_context, "require_starttls": True}
        self._controller = Controller(
            self.peer, hostname=self.peer.host, port=self.peer.port, authenticator=self.peer._authenticate,
            auth_required=True, auth_require_tls=False, **tls)  # loopback only; the warning is expected

    def __enter__(self) -> SmtpPeer:
        self._controller.start()
        return self.peer

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
