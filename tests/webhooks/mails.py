"""Raw RFC 822 messages as mail providers post them (Polish clients, legacy charsets)."""

from __future__ import annotations

import base64
import quopri


def first_mail(message_id: str = "<q1@buyer.amazon.pl>") -> bytes:
    return (
        "From: =?utf-8?q?Anna_Nowak?= <anna-xyz@marketplace.amazon.pl>\r\n"
        "To: sklep@example.pl\r\n"
        "Subject: =?utf-8?q?Pytanie_o_zam=C3=B3wienie_1234?=\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Thu, 20 Nov 2026 10:15:00 +0100\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
        "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Dzień dobry, kiedy wyślecie moją paczkę?\r\n\r\n-- \r\nAnna\r\n"
        "--XYZ\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"zdjecie.jpg\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"\xff\xd8" + b"x" * 998).decode() + "\r\n"
        "--XYZ--\r\n"
    ).encode()


def reply_mail(parent: str = "<q1@buyer.amazon.pl>", message_id: str = "<q2@buyer.amazon.pl>") -> bytes:
    return (
        "From: Anna Nowak <anna-xyz@marketplace.amazon.pl>\r\n"
        "To: sklep@example.pl\r\n"
        "Subject: Re: Pytanie o zamowienie 1234\r\n"
        f"Message-ID: {message_id}\r\nIn-Reply-To: {parent}\r\nReferences: {parent}\r\n"
        "Date: Thu, 20 Nov 2026 12:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Dziękuję, a czy mogę zmienić adres dostawy?\r\n\r\n"
        "Wysłane z iPhone'a\r\n\r\n"
        "W dniu czw., 20 lis 2026 o 11:00 Sklep <sklep@example.pl>\r\nnapisał(a):\r\n"
        "> Paczka wyjdzie jutro.\r\n> Pozdrawiamy\r\n"
    ).encode()


def legacy_charset_mail(charset: str, transfer: str, message_id: str) -> bytes:
    text = "Zażółć gęślą jaźń — proszę o fakturę.\nOn Thu, 20 Nov 2026, Sklep wrote:\n> stare"
    raw = text.replace("—", "-").encode(charset)
    body = quopri.encodestring(raw).decode() if transfer == "quoted-printable" else base64.encodebytes(raw).decode()
    subject = "=?" + charset + "?b?" + base64.b64encode("Faktura zażółć".encode(charset)).decode() + "?="
    return (
        f"From: Jan <jan@firma.pl>\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {transfer}\r\n\r\n{body}"
    ).encode()
