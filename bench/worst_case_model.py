"""The worst case for the send gates: an OpenAI-compatible model that always answers, confidently and
fluently, by copying the knowledge sentence that shares most words with the question.

It never invents a fact and never writes gibberish, so the verifier's quote, fact, echo and fluency
checks all pass; only the gates that ask "does the knowledge answer *this* question?" (retrieval
grounding, the question's words in the quoted sentence) stand between a near miss and the customer.
`bench.answer_eval --model worst-case` measures them with it; production never uses it.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import re

from shared.ai.verify.stems import shared_words

_BLOCK = re.compile(r"<(wiedza|klient|zamowienie)>\s*(.*?)\s*</\1>", re.DOTALL)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_ENTRY = re.compile(r"^\[\d+\][^:\n]*:\s*", re.MULTILINE)


def best_sentence(knowledge: str, question: str, order: str = "") -> str:
    # The order block is one fact per line (its dates hold dots, so it is not split into sentences).
    sentences = [s.strip() for s in _SENTENCE.findall(_ENTRY.sub("", knowledge)) if len(s.strip()) >= 12]
    sentences += [line.strip() for line in order.splitlines() if len(line.strip()) >= 12]
    return max(sentences, key=lambda s: (len(shared_words(question, s)), -len(s)), default="")


def answer_for(messages: list[dict]) -> str:
    blocks = dict(_BLOCK.findall(messages[-1]["content"]))
    sentence = best_sentence(blocks.get("wiedza", ""), blocks.get("klient", ""), blocks.get("zamowienie", ""))
    return json.dumps({"answerable": bool(sentence), "quotes": [sentence] if sentence else [], "answer": sentence},
                      ensure_ascii=False)


async def app(scope, receive, send) -> None:
    """ASGI: POST /v1/chat/completions only."""
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        event = await receive()
        body += event.get("body", b"")
        if not event.get("more_body"):
            break
    request = json.loads(body or b"{}")
    content = answer_for(request.get("messages") or [{"content": ""}])
    payload = json.dumps({
        "id": "worst-case", "object": "chat.completion", "created": 0, "model": "worst-case",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": payload})


@asynccontextmanager
async def serving_as_the_configured_model() -> AsyncIterator[None]:
    """Serves this model on a free loopback port and points LLM_* and LLM_STRONG_* at it while the block runs."""
    import uvicorn

    from bench.load.deployment import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    for prefix in ("LLM_", "LLM_STRONG_"):
        os.environ[f"{prefix}BASE_URL"] = f"http://127.0.0.1:{port}/v1"
        os.environ[f"{prefix}MODEL"] = "worst-case"
    try:
        yield
    finally:
        server.should_exit = True
        await task
