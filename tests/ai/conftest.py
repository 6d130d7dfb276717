"""A scripted OpenAI-compatible model for agent tests whose outcome must not depend on the local model's
sampling (SmolLM2 may declare any question "not answerable")."""

from __future__ import annotations

import pytest

from tests.fakes.scripted_llm import ScriptedLlm
from tests.support import serve


@pytest.fixture
async def scripted_model(monkeypatch):
    scripted = ScriptedLlm(model=f"scripted-{id(monkeypatch)}")
    async with serve(scripted) as client:
        base_url = f"{str(client.base_url).rstrip('/')}/v1"
        for prefix in ("LLM_", "LLM_STRONG_"):
            monkeypatch.setenv(f"{prefix}BASE_URL", base_url)
            monkeypatch.setenv(f"{prefix}MODEL", scripted.model)
        monkeypatch.setenv("LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("AI_MODEL_QUALIFIED_WITHOUT_EVAL", scripted.model)
        yield scripted
