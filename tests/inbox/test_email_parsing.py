"""Parsing raw mail with the standard library: charsets, threading headers, quotes and signatures."""

from __future__ import annotations

import pytest

from shared.inbox.email_parsing import MalformedEmail, parse_email, strip_quoted
from tests.webhooks.mails import first_mail, legacy_charset_mail, reply_mail


def test_first_mail_is_decoded_with_attachment_metadata_only():
    email = parse_email(first_mail())
    assert email.message_id == "<q1@buyer.amazon.pl>" and email.subject == "Pytanie o zamówienie 1234"
    assert (email.from_name, email.from_address) == ("Anna Nowak", "anna-xyz@marketplace.amazon.pl")
    assert strip_quoted(email.text) == "Dzień dobry, kiedy wyślecie moją paczkę?"
    assert [(a.filename, a.content_type, a.size_bytes) for a in email.attachments] == [("zdjecie.jpg", "image/jpeg", 1000)]
    assert email.sent_at.isoformat() == "2026-11-20T10:15:00+01:00"


def test_reply_headers_and_polish_quote_markers():
    email = parse_email(reply_mail())
    assert (email.in_reply_to, email.references) == ("<q1@buyer.amazon.pl>", ["<q1@buyer.amazon.pl>"])
    assert strip_quoted(email.text) == "Dziękuję, a czy mogę zmienić adres dostawy?"


@pytest.mark.parametrize("charset", ["iso-8859-2", "windows-1250"])
@pytest.mark.parametrize("transfer", ["quoted-printable", "base64"])
def test_legacy_polish_charsets_decode(charset, transfer):
    email = parse_email(legacy_charset_mail(charset, transfer, "<cp@firma.pl>"))
    assert email.subject == "Faktura zażółć"
    assert strip_quoted(email.text) == "Zażółć gęślą jaźń - proszę o fakturę."


@pytest.mark.parametrize("text, expected", [
    ("Ok, dziękuję\n\nOn Mon, 1 Dec 2026 at 10:00, Shop <s@x.pl> wrote:\n> old", "Ok, dziękuję"),
    ("Tak\n-----Original Message-----\nFrom: x", "Tak"),
    ("Tak\nOd: Sklep <s@x.pl>\nWysłano: poniedziałek\nTemat: x", "Tak"),
    ("Nowe pytanie\n> cytat\nciąg dalszy", "Nowe pytanie\nciąg dalszy"),
    ("Sent from my iPhone", "Sent from my iPhone"),  # only a signature: kept rather than lost
])
def test_strip_quoted(text, expected):
    assert strip_quoted(text) == expected


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02 not mail at all", b"just some words"])
def test_not_a_mail_is_refused(raw):
    with pytest.raises(MalformedEmail):
        parse_email(raw)


def test_mail_without_message_id_gets_a_stable_one():
    raw = b"From: a@b.pl\r\nSubject: x\r\n\r\nhej"
    assert parse_email(raw).message_id == parse_email(raw).message_id


def test_nul_characters_anywhere_in_a_mail_are_dropped_not_stored():
    raw = (b"From: A\x00nna <anna@mail.pl>\r\nSubject: Zam\x00\xc3\xb3wienie\r\nMessage-ID: <q\x00@mail.pl>\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nDzie\x00\xc5\x84 dobry, a literal \\u0000 stays\r\n")
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.subject, parsed.message_id) == ("Anna", "Zamówienie", "<q@mail.pl>")
    assert parsed.text.strip() == "Dzień dobry, a literal \\u0000 stays"


def _html_only_mail(html: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Jan <jan@example.pl>"
    message["To"] = "sklep@example.pl"
    message["Subject"] = "Pytanie"
    message["Message-ID"] = "<html1@example.pl>"
    message.set_content(html, subtype="html")
    return bytes(message)


def test_an_html_only_mail_becomes_readable_text():
    email = parse_email(_html_only_mail(
        "<html><head><title>Mail</title><style>p {color: red}</style></head><body>"
        "<div>Dzień&nbsp;dobry,<br>czy macie <b>rozmiar</b> 42?</div>"
        "<script>track()</script><p>Pozdrawiam</p><table><tr><td>Zamówienie</td><td>1234</td></tr></table>"
        "</body></html>"))
    assert email.text == "Dzień dobry,\nczy macie rozmiar 42?\n\nPozdrawiam\n\nZamówienie 1234"
