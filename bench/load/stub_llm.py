"""An OpenAI-compatible chat server that answers every request after a fixed time — load tests only.

    python -m bench.load.stub_llm --port 18999 --delay-ms 300

Issue 13 allows it for the load test alone: the local SmolLM2 decodes a reply in seconds on this
CPU, so with it the load test would measure the model, not the pipeline. The answer is one fixed
Polish sentence (it passes the policy guard and the language check), its usage is counted as a real
server would (prompt tokens ≈ characters / 4), and the delay is an ``asyncio.sleep``: the stub never
becomes the bottleneck, whatever the concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import uvicorn
from litestar import Litestar, get, post

STUB_MODEL = "load-stub"
ANSWER = ("Dzień dobry, zamówienia złożone do 13:00 wysyłamy tego samego dnia, a zwrot jest możliwy "
          "w ciągu 30 dni od otrzymania przesyłki. Pozdrawiamy serdecznie.")


def make_app(delay_seconds: float) -> Litestar:
    @post("/v1/chat/completions", status_code=200)
    async def chat(data: dict) -> dict:
        await asyncio.sleep(delay_seconds)
        prompt_chars = sum(len(str(m.get("content", ""))) for m in data.get("messages", []))
        prompt_tokens, completion_tokens = max(1, prompt_chars // 4), len(ANSWER) // 4
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": STUB_MODEL,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": ANSWER}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    @get("/v1/models")
    async def models() -> dict:
        return {"object": "list", "data": [{"id": STUB_MODEL, "object": "model", "owned_by": "bench"}]}

    return Litestar([chat, models])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load.stub_llm", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=300.0)
    args = parser.parse_args()
    uvicorn.run(make_app(args.delay_ms / 1000), host=args.host, port=args.port, access_log=False,
                log_level="warning")


if __name__ == "__main__":
    main()
