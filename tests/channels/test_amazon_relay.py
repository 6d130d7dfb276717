"""Which e-mail senders are Amazon's buyer relay aliases."""

from __future__ import annotations

import pytest

from shared.channels.amazon import is_amazon_buyer_mail, is_relay_address


@pytest.mark.parametrize("address", [
    "0x4k2m9qz1v7lbd3c@marketplace.amazon.pl", "abc123@marketplace.amazon.de", "XYZ@MARKETPLACE.AMAZON.COM",
    "q8c@marketplace.amazon.co.uk", "k1@marketplace.amazon.com.be", "z@marketplace.amazon.com.tr",
])
def test_relay_aliases_of_every_store(address):
    assert is_relay_address(address)


@pytest.mark.parametrize("address", [
    None, "", "jan@kowalski.pl", "seller-notification@amazon.pl", "abc@marketplace.amazon.pl.evil.com",
    "abc@marketplace-amazon.pl", "abc@fakemarketplace.amazon.pl.example", "marketplace.amazon.pl@gmail.com",
])
def test_other_addresses_are_not_amazon(address):
    assert not is_relay_address(address)


def test_reply_to_alias_counts_when_the_forwarder_rewrote_from():
    assert is_amazon_buyer_mail("forwarder@sklep.pl", "7hq2@marketplace.amazon.pl")
    assert not is_amazon_buyer_mail("jan@kowalski.pl", None)
