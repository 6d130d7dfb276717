"""An e-mail reply interrupted mid-send is looked up by its Message-ID in the mailbox's IMAP Sent folder:
found → recorded as sent, never sent twice; not found → sent once. Only where the channel's test proved
the provider files sent mail there; elsewhere it stays "delivery uncertain" (SMTP + IMAP contract fakes)."""

from __future__ import annotations

import pytest

from shared.channels.connection import load_connection
from shared.channels.email import sender as smtp_sender
from shared.conversations import delivery, replies
from shared.conversations.delivery import UNCERTAIN, RetryLater
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx
from tests.channels.marketplace_support import (G, customer_messages, gateway, post_mail, process_inbox,  # noqa: F401
                                                raw_mail, sign_up, smtp_fields)
from tests.fakes.imap_peer import running_imap_peer
from tests.fakes.smtp_peer import running_smtp_peer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("loopback_smtp")]


async def mailbox_with_imap(gateway, seller, smtp, imap, address: str) -> dict:  # noqa: F811
    created = await gateway.post(f"{G}/channels/email", headers=seller, json={
        **smtp_fields(smtp, address), "imapHost": imap.host, "imapPort": imap.port, "imapSecurity": "none"})
    assert created.status_code == 201, created.text
    return created.json()


async def customer_asks(gateway, tenant, mailbox, text: str) -> dict:  # noqa: F811
    await post_mail(gateway, tenant, mailbox["account"]["id"], mailbox["inboundToken"], raw_mail(
        "kupujaca@example.pl", "sklep@imap.pl", "Pytanie", text))
    assert await process_inbox(tenant) == ["processed"]
    return next(m for m in await customer_messages(tenant) if m["content"] == text)


async def status_of(tenant, reply_id) -> tuple[str, str | None]:
    async with tenant_tx(tenant):
        row = await Message.select(Message.status, Message.delivery_error).where(Message.id == reply_id).first()
    return row["status"], row["delivery_error"]


async def crash_after_smtp_accepted(tenant, reply_id) -> None:
    async def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(delivery, "_record_sent", killed)
        await delivery.deliver(tenant, reply_id)
    assert (await status_of(tenant, reply_id))[0] == "sending"


async def test_interrupted_replies_are_reconciled_through_the_sent_folder(gateway):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep IMAP")
    with running_smtp_peer(username="sklep@imap.pl") as smtp, running_imap_peer(smtp) as imap:
        mailbox = await mailbox_with_imap(gateway, seller, smtp, imap, "sklep@imap.pl")
        tested = (await gateway.post(f"{G}/channels/accounts/{mailbox['account']['id']}/test", headers=seller)).json()
        assert tested["ok"] and "appeared in the Sent folder" in tested["detail"], tested
        stored = await load_connection(tenant, mailbox["account"]["id"])
        assert stored.settings["imapSentVerified"] is True and "SEARCH" in imap.commands

        # Crash after the SMTP server accepted the reply: the retry finds it in Sent and does not resend.
        first = await customer_asks(gateway, tenant, mailbox, "Czy jest rozmiar M?")
        reply = await replies.create_ai_reply(tenant, first["id"], "Tak, rozmiar M jest dostępny.", approved=True)
        await crash_after_smtp_accepted(tenant, reply.id)
        assert await delivery.deliver(tenant, reply.id) == "sent (reconciled)"
        assert [m.message.get_content().strip() for m in smtp.received[1:]] == ["Tak, rozmiar M jest dostępny."]

        # Crash after the claim but before anything reached SMTP: not in Sent, so it is sent, once.
        second = await customer_asks(gateway, tenant, mailbox, "A rozmiar L?")
        later = await replies.create_ai_reply(tenant, second["id"], "Rozmiar L będzie w piątek.", approved=True)

        async def killed_before_smtp(*args, **kwargs):
            raise RuntimeError("worker killed")

        with pytest.MonkeyPatch.context() as patch, pytest.raises(RuntimeError):
            patch.setattr(smtp_sender, "submit", killed_before_smtp)
            await delivery.deliver(tenant, later.id)
        assert await delivery.deliver(tenant, later.id) == "sent"
        texts = [m.message.get_content().strip() for m in smtp.received[1:]]
        assert texts == ["Tak, rozmiar M jest dostępny.", "Rozmiar L będzie w piątek."]

        # The mailbox cannot be asked right now: stay "sending" and ask again later, never send blindly.
        third = await customer_asks(gateway, tenant, mailbox, "Jaki kolor?")
        again = await replies.create_ai_reply(tenant, third["id"], "Czarny.", approved=True)
        await crash_after_smtp_accepted(tenant, again.id)
        imap.refuse_login = True
        with pytest.raises(RetryLater):
            await delivery.deliver(tenant, again.id)
        assert (await status_of(tenant, again.id))[0] == "sending"
        imap.refuse_login = False
        assert await delivery.deliver(tenant, again.id) == "sent (reconciled)"
        assert [m.message.get_content().strip() for m in smtp.received].count("Czarny.") == 1


async def test_a_provider_that_does_not_file_sent_mail_stays_uncertain(gateway):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep Bez Wyslanych")
    with running_smtp_peer(username="sklep@imap.pl") as smtp, \
            running_imap_peer(smtp, files_sent_mail=False) as imap:
        mailbox = await mailbox_with_imap(gateway, seller, smtp, imap, "sklep@imap.pl")
        monkey = pytest.MonkeyPatch()
        monkey.setattr("shared.channels.lifecycle.SENT_FOLDER_WAIT_SECONDS", 1.5)
        try:
            tested = (await gateway.post(f"{G}/channels/accounts/{mailbox['account']['id']}/test",
                                         headers=seller)).json()
        finally:
            monkey.undo()
        assert tested["ok"] and "did not appear in the Sent folder" in tested["detail"], tested
        message = await customer_asks(gateway, tenant, mailbox, "Czy wysyłacie za granicę?")
        reply = await replies.create_ai_reply(tenant, message["id"], "Tak, do całej UE.", approved=True)
        await crash_after_smtp_accepted(tenant, reply.id)
        # "Not in Sent" proves nothing here: rather uncertain than a second copy to the customer.
        assert await delivery.deliver(tenant, reply.id) == "uncertain"
        assert await status_of(tenant, reply.id) == ("failed", UNCERTAIN)
    assert [m.message.get_content().strip() for m in smtp.received].count("Tak, do całej UE.") == 1


async def test_imap_fields_are_checked(gateway):  # noqa: F811
    _, seller = await sign_up(gateway, "Sklep Zle IMAP")
    base = {"senderAddress": "a@b.pl", "smtpHost": "smtp.b.pl", "smtpUser": "a", "smtpPassword": "x"}
    for patch, field in (({"imapHost": "imap b.pl"}, "imapHost"), ({"imapHost": "imap.b.pl", "imapPort": 0}, "imapPort"),
                         ({"imapHost": "imap.b.pl", "imapSecurity": "ssl3"}, "imapSecurity"),
                         ({"imapHost": "imap.b.pl", "sentFolder": "Sent\u0007"}, "sentFolder")):
        response = await gateway.post(f"{G}/channels/email", headers=seller, json={**base, **patch})
        assert response.status_code == 400 and field in response.text, (patch, response.text)


async def test_production_refuses_private_or_odd_imap_destinations():
    from shared.channels.email.sent_folder import check_imap_destination
    from shared.channels.senders import PermanentDeliveryError

    for host, port, reason in (("127.0.0.1", 993, "private network"), ("10.1.2.3", 143, "private network"),
                               ("imap.example.pl", 25, "port 25")):
        with pytest.raises(PermanentDeliveryError, match=reason):
            await check_imap_destination({"imapHost": host, "imapPort": port}, allow_private=False)
    await check_imap_destination({"imapHost": "127.0.0.1", "imapPort": 1143}, allow_private=True)  # tests only
