"""Raw RFC 822 mail → EmailPayload with the standard library (any charset, any transfer encoding)."""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from email.utils import parseaddr

import msgspec

from shared.inbox.automatic_mail import automation_headers
from shared.inbox.schemas import EmailAttachment, EmailPayload
from shared.infra.storable_text import storable
from shared.knowledge.html_text import html_to_text

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_TEXT_CHARS = 100_000


class MalformedEmail(ValueError):
    pass


def _decoded_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        # An unknown or lying charset label: keep what decodes rather than refuse the mail.
        raw = part.get_payload(decode=True) or b""
        content = raw.decode("utf-8", "replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content if part.get_content_subtype() != "html" else html_to_text(content)


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the policy cannot parse at all
        return None
    return str(value).strip() if value is not None and str(value).strip() else None


def _ids(value: str | None) -> list[str]:
    return _MESSAGE_ID.findall(value or "")


def _sent_at(message: EmailMessage):  # noqa: ANN202 - datetime | None
    try:
        date = message["date"]
        return date.datetime if date is not None and date.datetime is not None else None
    except (ValueError, TypeError, AttributeError, IndexError):
        return None


def _attachments(message: EmailMessage) -> list[EmailAttachment]:
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() in ("attachment", "inline") and part.get_filename() \
                or part.get_content_maintype() not in ("text", "multipart"):
            payload = part.get_payload(decode=True) or b""
            found.append(EmailAttachment(filename=part.get_filename(), content_type=part.get_content_type(),
                                         size_bytes=len(payload)))
    return found


def _reported_ids(message: EmailMessage) -> list[str]:
    """The Message-ID a delivery report (RFC 3464) is about, from the original it attaches (or its
    headers): bounces rarely say In-Reply-To, and this is what puts one beside the thread it concerns."""
    if message.get_content_type() != "multipart/report":
        return []
    for part in message.iter_parts():
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            return _ids(_header(part.get_payload(0), "message-id"))
        if part.get_content_type() == "text/rfc822-headers":
            return _ids(_header(HeaderParser(policy=policy.default).parsestr(_decoded_text(part)), "message-id"))
    return []


def parse_email(raw: bytes) -> EmailPayload:
    if not raw.strip():
        raise MalformedEmail("The body is empty; post the raw RFC 822 message.")
    try:
        return _parse(raw)
    except RecursionError:
        # The standard library's parser recurses once per nested multipart; real mail nests a few deep.
        raise MalformedEmail("The message nests its MIME parts too deeply to be read.") from None


def _parse(raw: bytes) -> EmailPayload:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender = _header(message, "from")
    own_id = _ids(_header(message, "message-id"))
    if not sender and not own_id:
        raise MalformedEmail("This is not an RFC 822 message (no From or Message-ID header).")
    body = message.get_body(preferencelist=("plain", "html"))
    text = _decoded_text(body) if body is not None else ""
    from_name, from_address = parseaddr(sender or "")
    _, reply_to = parseaddr(_header(message, "reply-to") or "")
    references = _ids(_header(message, "references")) or _reported_ids(message)
    in_reply_to = (_ids(_header(message, "in-reply-to")) or [None])[0]
    # Providers always set Message-ID; without one, the same raw bytes redelivered still map to one id.
    message_id = own_id[0] if own_id else f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@bokai.invalid>"
    return _storable(EmailPayload(
        message_id=message_id, subject=_header(message, "subject"), from_name=from_name or None,
        from_address=from_address or None, reply_to=reply_to or None, in_reply_to=in_reply_to,
        references=references[:50], sent_at=_sent_at(message), text=text[:MAX_TEXT_CHARS],
        attachments=_attachments(message)[:50], automation_headers=automation_headers(message, _header),
    ))


def _storable(payload: EmailPayload) -> EmailPayload:
    """A NUL can sit in any header or body of a raw mail, and a header's undecodable 8-bit bytes come
    back as lone surrogates; PostgreSQL stores neither (text or jsonb): made storable here, once,
    rather than a 500 when the event is stored."""
    return msgspec.convert(storable(msgspec.to_builtins(payload)), EmailPayload)


_QUOTE_HEADERS = (
    # Gmail/Apple in Polish and English; clients wrap the header over up to three lines.
    (re.compile(r"^\s*W dniu\b", re.I), re.compile(r"(napisał|napisała|napisał\(a\)|pisze)\s*:\s*$", re.I)),
    (re.compile(r"^\s*On\b", re.I), re.compile(r"\bwrote\s*:\s*$", re.I)),
    (re.compile(r"^\s*(From|Od)\s*:", re.I), re.compile(r"^\s*(Sent|Date|Wysłano|Data)\s*:", re.I)),
)
_CUT_LINES = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Oryginalna wiadomość|Wiadomość oryginalna)\s*-{2,}"
    r"|Wysłane z (mojego )?(iPhone'?a|iPhone|iPada|urządzenia|telefonu|aplikacji).*"
    r"|Sent from my (iPhone|iPad|Android|mobile).*)\s*$", re.I)


def strip_quoted(text: str) -> str:
    """The customer's new words only: quoted history, reply headers and signatures go."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line in ("-- ", "--") or _CUT_LINES.match(line):
            break
        if any(start.match(line) and any(end.search(lines[j]) for j in range(index, min(index + 3, len(lines))))
               for start, end in _QUOTE_HEADERS):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    stripped = "\n".join(kept).strip()
    # A reply that was only a quote still reaches the seller rather than arriving empty.
    return stripped or text.strip()
