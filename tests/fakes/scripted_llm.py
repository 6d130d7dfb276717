"""A scripted OpenAI-compatible chat server: answers chosen by the test, keyed on the customer's words.

Stands in for a model whose output a test must control (a fabricated number, an echoed prompt, a
correct answer) — the verifier's end-to-end test. It speaks the real `/v1/chat/completions` shape
the `openai` client parses, with usage counts, and records every request (its `response_format` too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from tests.fakes.base import FakeApp, FakeRequest, Reply

_CUSTOMER = re.compile(r"<klient>\s*(.*?)\s*</klient>", re.DOTALL)


class ScriptedLlm(FakeApp):
    def __init__(self, model: str = "scripted-model") -> None:
        super().__init__()
        self.model = model
        # (words of the customer's message, the raw answer or a function of the prompt's last message)
        self.script: list[tuple[str, str | Callable[[str], str]]] = []
        self.requests: list[dict] = []
        self.route("POST", r"/v1/chat/completions", self._complete)
        self.route("GET", r"/v1/models", lambda _: Reply(200, {"object": "list", "data": [{"id": self.model}]}))

    def answer(self, when_customer_says: str, raw: str | Callable[[str], str]) -> None:
        """``raw`` may be a function of the prompt's last message: a model that reads what it was given."""
        self.script.append((when_customer_says, raw))

    def answer_json(self, when_customer_says: str, *, quotes: list[str], answer: str, answerable: bool = True) -> None:
        self.answer(when_customer_says, json.dumps({"answerable": answerable, "quotes": quotes, "answer": answer},
                                                   ensure_ascii=False))

    def _complete(self, request: FakeRequest) -> Reply:
        body = request.json()
        self.requests.append(body)
        last = body["messages"][-1]["content"]
        found = _CUSTOMER.search(last)
        customer = found.group(1) if found else last
        raw = next((text for words, text in self.script if words in customer), "")
        raw = raw(last) if callable(raw) else raw
        return Reply(200, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 0, "model": self.model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": raw}}],
            "usage": {"prompt_tokens": len(last) // 4, "completion_tokens": max(1, len(raw) // 4),
                      "total_tokens": len(last) // 4 + max(1, len(raw) // 4)},
        })
