"""The product's main job in one command (`scripts/stack demo`): customer messages in, the AI's answers out.

A client of the public HTTP API through the gateway and nothing else — it imports no project code, so it
shows exactly what a shop's developer would write: sign up, upload a small Polish knowledge base, connect a
generic channel whose callback is a receiver this script runs on loopback, send three signed customer
messages, and report what happened to each (reply or draft with its citations, hand-off and reason, timings).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

KNOWLEDGE = {
    "Zwroty i reklamacje": (
        "# Zwroty\n\nTowar można zwrócić bez podania przyczyny w ciągu 14 dni od otrzymania przesyłki. "
        "Paczkę odsyłasz na adres sklepu z numerem zamówienia; zwrot pieniędzy następuje w ciągu 5 dni "
        "roboczych od otrzymania paczki.\n\n# Reklamacje\n\nReklamację rozpatrujemy w ciągu 14 dni.\n"),
    "Wysyłka i płatności": (
        "# Wysyłka\n\nZamówienia złożone do godziny 13:00 wysyłamy tego samego dnia kurierem InPost. "
        "Dostawa kosztuje 12,99 zł, a od 200 zł jest bezpłatna.\n\n# Płatności\n\nPrzyjmujemy BLIK, "
        "przelew tradycyjny i płatność kartą.\n"),
}
MESSAGES = [
    ("pytanie z bazy wiedzy", "Dzień dobry, ile mam dni na zwrot towaru?"),
    ("pytanie spoza bazy", "Czy sprzedajecie też rowery elektryczne?"),
    ("reklamacja", "Kubek przyszedł pęknięty, jestem bardzo niezadowolona. Chcę reklamacji!"),
]
HONEST_NOTE = (
    "About the local model: the local stack runs SmolLM2-135M, whose Polish is gibberish. Its answer to a question\n"
    "the knowledge base covers is either 'the knowledge does not answer this' (handed over as no_grounding) or text\n"
    "the send verifier (docs/verify-before-send.md) cannot prove from the knowledge, held as a draft for a person.\n"
    "SmolLM2 has not qualified for autopilot either, so here no AI reply goes out alone. With a qualified production\n"
    "model (vLLM + Bielik) verified answers are sent on their own.")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The documented rule: sha256=hex(HMAC-SHA256(secret, timestamp + "." + raw body))."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class ReplyReceiver(ThreadingHTTPServer):
    """The shop's side of reply callbacks: verifies each signature, keeps what arrived."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.secret = ""
        self.replies: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bokai/replies"


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: ReplyReceiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        timestamp = self.headers.get("x-bokai-timestamp", "")
        given = [s.strip() for s in self.headers.get("x-bokai-signature", "").split(",")]
        genuine = (abs(time.time() - int(timestamp or 0)) < 300
                   and any(hmac.compare_digest(sign(self.server.secret, timestamp, body), s) for s in given))
        if genuine:
            self.server.replies.append({**json.loads(body), "receivedAt": time.monotonic()})
        answer = json.dumps({"messageId": f"shop-{len(self.server.replies)}"} if genuine else {}).encode()
        self.send_response(200 if genuine else 401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:  # quiet: the demo prints its own story
        pass


class Demo:
    def __init__(self, gateway: str, out=sys.stdout, timeout: float = 120.0) -> None:
        self.gateway = gateway.rstrip("/")
        self.api = httpx.Client(base_url=self.gateway + "/function", timeout=30)
        self.out, self.timeout = out, timeout
        self.receiver = ReplyReceiver()
        self.titles: dict[str, str] = {}

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = (200,), **kwargs) -> dict:
        answer = self.api.request(method, path, **kwargs)
        if answer.status_code not in ((expect,) if isinstance(expect, int) else expect):
            raise DemoFailed(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json() if answer.content else {}

    def run(self) -> list[dict]:
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        try:
            started = time.monotonic()
            self.sign_up()
            self.upload_knowledge()
            channel = self.connect_shop()
            results = [self.customer_writes(channel, label, text) for label, text in MESSAGES]
            self.say(f"4. Sent {len(results)} signed customer messages; the AI decides on each:")
            self.follow(results)
            for result in results:
                self.report(result)
            self.approve_first_draft(results)
            self.say()
            self.say(HONEST_NOTE)
            self.say(f"\nDemo finished in {time.monotonic() - started:.1f} s.")
            return results
        finally:
            self.receiver.shutdown()
            self.api.close()

    def sign_up(self) -> None:
        suffix = secrets.token_hex(4)
        answer = self.call("POST", "/auth/register", 201, json={
            "email": f"demo-{suffix}@example.pl", "password": f"Demo-{secrets.token_hex(8)}",
            "companyName": f"Sklep Demo {suffix}"})
        self.api.headers["Authorization"] = f"Bearer {answer['accessToken']}"
        self.say(f"1. Signed up the shop '{answer['tenant']['slug']}' (POST /auth/register).")

    def upload_knowledge(self) -> None:
        ids = []
        for title, text in KNOWLEDGE.items():
            document = self.call("POST", "/kb/documents", 202, data={"title": title},
                                 files={"file": (f"{title}.md", text.encode(), "text/markdown")})
            ids.append(document["id"])
            self.titles[document["id"]] = title
        waited = time.monotonic()
        pending = set(ids)
        while pending:
            for document_id in list(pending):
                status = self.call("GET", f"/kb/documents/{document_id}")["status"]
                if status == "failed":
                    raise DemoFailed(f"ingesting document {document_id} failed")
                if status == "ready":
                    pending.discard(document_id)
            if pending:
                self.wait_or_fail(waited, "the knowledge base to be indexed")
        self.say(f"2. Uploaded a knowledge base of {len(ids)} Polish documents ({', '.join(KNOWLEDGE)}); "
                 f"indexed in {time.monotonic() - waited:.1f} s.")

    def connect_shop(self) -> dict:
        answer = self.api.post("/channels/generic", json={"name": "Sklep demo", "callbackUrl": self.receiver.url})
        if answer.status_code == 400 and "https" in answer.text:
            raise DemoFailed("the running stack refuses a callback on this machine (it was started before local "
                             "callbacks were allowed): run `scripts/stack restart gateway` and "
                             "`scripts/stack restart worker`, then the demo again")
        if answer.status_code != 201:
            raise DemoFailed(f"POST /channels/generic answered {answer.status_code}: {answer.text[:300]}")
        channel = answer.json()
        self.receiver.secret = channel["webhookSecret"]
        self.say(f"3. Connected a generic shop channel: customers' messages go to {channel['inboundUrl']},\n"
                 f"   replies come back to this demo's receiver at {self.receiver.url} (signature verified).")
        return channel

    def customer_writes(self, channel: dict, label: str, text: str) -> dict:
        thread = f"demo-{secrets.token_hex(4)}"
        body = json.dumps({"messageId": f"{thread}-1", "conversationId": thread, "text": text,
                           "sentAt": datetime.now(timezone.utc).isoformat(),
                           "customer": {"name": "Klientka Demo"}}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        sent = time.monotonic()
        # Absolute when the deployment sets its public address (CHANNELS_PUBLIC_URL), else a gateway path.
        inbound = channel["inboundUrl"] if "://" in channel["inboundUrl"] else self.gateway + channel["inboundUrl"]
        answer = self.api.post(inbound, content=body, headers={
            "content-type": "application/json", "X-BokAI-Timestamp": timestamp,
            "X-BokAI-Signature": sign(channel["webhookSecret"], timestamp, body)})
        if answer.status_code != 202:
            raise DemoFailed(f"the signed message answered {answer.status_code}: {answer.text[:300]}")
        return {"label": label, "text": text, "thread": thread, "sent": sent, "sentAt": datetime.now(timezone.utc),
                "acceptedMs": (time.monotonic() - sent) * 1000, "eventId": answer.json().get("eventId")}

    def follow(self, results: list[dict]) -> None:
        """Until the AI decided on each message (a reply, a draft or a hand-off), found by the shop's thread id."""
        pending = list(results)
        while pending:
            for result in list(pending):
                found = self.call("GET", "/conversations/conversations",
                                  params={"platformConversationId": result["thread"]})["items"]
                if not found:
                    continue
                detail = self.call("GET", f"/conversations/conversations/{found[0]['id']}")
                conversation = detail["conversation"]
                replies = [m for m in detail["messages"]["items"] if m["direction"] == "outbound"]
                if replies or conversation["handoffReason"]:
                    # The server's own times: when the reply was written or the conversation handed over.
                    decided = replies[0]["createdAt"] if replies else conversation["handoffAt"]
                    result.update(conversation=conversation, reply=replies[0] if replies else None,
                                  decidedS=(datetime.fromisoformat(decided) - result["sentAt"]).total_seconds())
                    pending.remove(result)
            if pending:
                self.wait_or_fail(results[0]["sent"], "the AI to decide on every message")

    def report(self, result: dict) -> None:
        conversation, reply = result["conversation"], result["reply"]
        self.say(f"\n— {result['label']}: \"{result['text']}\"")
        self.say(f"  accepted (202) in {result['acceptedMs']:.0f} ms; "
                 f"decided {result['decidedS']:.1f} s after it was sent")
        if reply:
            kind = {"draft": "draft waiting for a person", "sent": "reply sent",
                    "approved": "reply approved, on its way", "sending": "reply being sent",
                    "failed": "reply failed to send"}.get(reply["status"], reply["status"])
            self.say(f"  AI {kind}: \"{reply['content'][:160]}\"")
            cited = [f"'{c.get('documentTitle')}' (similarity {c.get('similarity')}, "
                     f"{len(c.get('quotes') or [])} quoted)"
                     for c in reply.get("citations") or [] if c.get("type") == "chunk"]
            self.say(f"  citations: {'; '.join(cited) if cited else 'none'}")
            findings = (reply.get("verification") or {}).get("findings") or []
            if findings:
                self.say("  verifier held it: " + "; ".join(
                    f"{f.get('code')}: {f.get('detail') or f.get('message') or ''}".strip(": ") for f in findings[:3]))
        else:
            self.say("  no AI reply (a person must answer)")
        if conversation["handoffReason"]:
            self.say(f"  handed to a person: reason '{conversation['handoffReason']}' at {conversation['handoffAt']}")
        delivery = conversation.get("lastDelivery")
        if delivery:
            error = f" ({delivery['error']})" if delivery["error"] else ""
            self.say(f"  last delivery: {delivery['status']}{error}")

    def approve_first_draft(self, results: list[dict]) -> None:
        """What a person does next: approve the AI's draft (or, with none, answer a handed-over customer);
        the shop's receiver gets the reply signed."""
        draft = next((r["reply"] for r in results if r["reply"] and r["reply"]["status"] == "draft"), None)
        started = time.monotonic()
        if draft is not None:
            # The verifier held this draft for a reason: a person corrects it before it goes out.
            self.call("PATCH", f"/conversations/replies/{draft['id']}", json={"text": SELLER_ANSWER})
            self.call("POST", f"/conversations/replies/{draft['id']}/approve")
            how = ("Corrected the held draft and approved it, as the seller would "
                   "(PATCH /conversations/replies/{id}, then POST .../approve)")
        else:
            conversation = results[0]["conversation"]
            self.call("POST", f"/conversations/conversations/{conversation['id']}/replies", 201,
                      json={"text": SELLER_ANSWER})
            how = "No draft to approve, so the seller answered the first customer (POST /conversations/{id}/replies)"
        while not self.receiver.replies:
            self.wait_or_fail(started, "the reply to reach the shop's receiver")
        self.say(f"\n{how}:\n  the shop's receiver got it, signature verified, "
                 f"{time.monotonic() - started:.1f} s later: \"{self.receiver.replies[0]['text'][:120]}\"")

    def wait_or_fail(self, since: float, what: str) -> None:
        if time.monotonic() - since > self.timeout:
            raise DemoFailed(f"gave up after {self.timeout:.0f} s waiting for {what}; "
                             "see `scripts/stack logs worker-live`")
        time.sleep(0.3)


SELLER_ANSWER = "Dzień dobry, na zwrot ma Pani 14 dni od otrzymania przesyłki."


class DemoFailed(Exception):
    pass


def default_gateway() -> str:
    env = Path(__file__).resolve().parents[1] / ".state" / "env"
    port = os.environ.get("GATEWAY_PORT")
    if port is None and env.exists():
        port = next((line.split("=", 1)[1] for line in env.read_text().splitlines()
                     if line.startswith("GATEWAY_PORT=")), None)
    return f"http://127.0.0.1:{port or 8080}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default=default_gateway(),
                        help="the gateway's base URL (default: the local stack's)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each step")
    args = parser.parse_args(argv)
    print(f"BOK-AI demo against {args.gateway}\n")
    try:
        Demo(args.gateway, timeout=args.timeout).run()
    except (DemoFailed, httpx.HTTPError) as failed:
        print(f"error: the demo stopped: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
