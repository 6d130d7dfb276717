"""docs/tenancy.md, "LLM prefix cache": every model request the reply agent makes carries the seller's
own `cache_salt` (an HMAC of the tenant id), so vLLM never reuses one seller's cached prompt prefix —
their knowledge, their customer's words — for another, which a response time could reveal.
tests/tenancy/test_store_isolation.py checks the salt function; this checks the agent really sends it."""

from __future__ import annotations

import pytest

from shared.infra.llm import LlmSettings
from shared.settings import load
from shared.tenancy.llm import llm_cache_salt
from tests.ai.test_agent import stores  # noqa: F401
from tests.ai.verify.test_agent_verification import SHIPPING, autopilot_seller, model, outcome_of  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
QUESTION = "Do której godziny wysyłacie zamówienia tego samego dnia?"


async def test_each_sellers_model_requests_carry_that_sellers_own_salt(stores, model):  # noqa: F811
    model.answer_json("Do której godziny", quotes=[SHIPPING], answer=SHIPPING)
    salts = {}
    for label in ("salt-alfa", "salt-beta"):
        seller = await autopilot_seller(stores, label)
        before = len(model.requests)
        outcome, _ = await outcome_of(stores, seller, QUESTION)
        assert outcome.action == "approved", outcome
        sent = {request.get("cache_salt") for request in model.requests[before:]}
        assert sent == {llm_cache_salt(seller.tenant_id, load(LlmSettings).cache_salt_secret)}, sent
        salts[label] = sent.pop()
    assert salts["salt-alfa"] != salts["salt-beta"]
