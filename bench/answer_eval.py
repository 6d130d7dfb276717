"""Has a model earned autopilot? The labelled answer set through the production reply path.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.answer_eval [--split test|train|all] [--limit N] [--record] [--gate-only]
                                          [--model worst-case]

Each shop of bench/data/answers becomes a seller (its documents ingested by the real pipeline,
autopilot on); each question is a new conversation answered by `shared.ai.agent.handle_customer_message`
against the configured OpenAI-compatible endpoint (LLM_BASE_URL / LLM_MODEL) — the same retrieval,
gates, prompt, structured output and send verifier as production. The model is treated as qualified
during the run, so what is auto-sent is what the verifier and the gates let through. Prints, and
holds against `shared.ai.verify.qualification.THRESHOLDS`:

- keyFactAccuracy: covered questions whose reply (sent or draft) contains every key fact;
- unsupportedClaimRate: replies stating a fact (number, date, code, name, link, contact) found neither
  in the shop's documents nor in the customer's message;
- notCoveredAutoSendRate / needsPersonAutoSendRate: those questions answered by the AI alone;
- promptLeakRate: replies repeating a tag, instruction sentence, title label or file name of the prompt;
- languageMatch: replies in the customer's language;
- coveredAnsweredRate (sent or draft) and coveredAutoSentRate, unsupportedClaimAutoSent (a count);
- p50/p99 latency of the whole decision per message.
`--record` stores the run (`model_qualifications`): a passed run lets the model's replies be sent.
`--model worst-case` answers with `bench.worst_case_model` instead of the configured endpoint: a model
that always answers fluently from the closest knowledge sentence, so what it gets sent is what the
"does the knowledge answer this question?" gates let through (never `--record`ed).
`--gate-only` skips the model: how the retrieval gates (grounding similarity, question coverage)
split covered from not-covered questions, for calibrating `MIN_QUESTION_COVERAGE` on the train split.
Exit status: 0 passed, 1 failed. The seller tenants are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timezone

from bench._common import delete_bench_tenant, live_stores, percentile, run_bounded
from bench.answer_set import Question, Shop, fact_found, frozen_split_intact, load_questions, load_shops


async def create_shop(stores, shop: Shop) -> uuid.UUID:
    from shared.accounts.tables import Tenant
    from shared.ai.config import update_ai_config
    from shared.ai.schemas import AiConfigPatch
    from shared.knowledge.ingestion import ingest_document
    from shared.knowledge.service import add_document_bytes
    from shared.tenancy.db import tenant_tx

    tenant_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await Tenant.insert(Tenant(id=tenant_id, name=shop.name, slug=f"bench-answers-{tenant_id.hex[:10]}"))
    for document in shop.documents:
        added = await add_document_bytes(stores, tenant_id, None, document.filename, document.text.encode(),
                                         title=document.title)
        status = await ingest_document(stores, tenant_id, added.id)
        if status != "ready":
            raise RuntimeError(f"{shop.slug}/{document.filename} did not ingest: {status}")
    await update_ai_config(tenant_id, AiConfigPatch(autopilot_mode="auto"))
    return tenant_id


async def ask(stores, tenant_id: uuid.UUID, shop: Shop, question: Question) -> dict:
    from shared.channels.inbound import InboundMessage, record_inbound_message

    recorded = await record_inbound_message(tenant_id, InboundMessage(
        platform=shop.platform, conversation_ref=f"eval-{question.id}", message_ref=question.id,
        text=question.text, sent_at=datetime.now(timezone.utc), customer_name="Klient"))
    return await answer_recorded(stores, tenant_id, question, recorded)


async def answer_recorded(stores, tenant_id: uuid.UUID, question, recorded) -> dict:
    """The agent on one recorded customer message, and what it left: the result row every eval scores."""
    from shared.ai.agent import handle_customer_message
    from shared.tenancy.db import tenant_tx, tx_connection

    started = time.perf_counter()
    outcome = await handle_customer_message(stores, tenant_id, recorded.message_id)
    seconds = time.perf_counter() - started
    async with tenant_tx(tenant_id):
        reply = await tx_connection().fetchrow(
            "SELECT content, status, citations FROM messages WHERE in_reply_to_id = $1 ORDER BY created_at DESC "
            "LIMIT 1", recorded.message_id)
        handoff = await tx_connection().fetchval(
            "SELECT handoff_reason FROM conversations WHERE id = $1", recorded.conversation_id)
    citations = json.loads(reply["citations"]) if reply else []
    # A running worker may have answered first (recording the message stages its job too): the stored
    # state is the outcome either way.
    reason = outcome.reason if outcome.action != "skipped" else handoff or (reply and reply["status"])
    return {"question": question, "action": outcome.action, "reason": reason, "seconds": seconds,
            "reply": reply["content"] if reply else None,
            "sent": bool(reply) and reply["status"] in ("approved", "sending", "sent", "failed"),
            "quotes": [q for c in citations for q in c.get("quotes", [])]}


def quoted_coverage_table(results: list[dict]) -> None:
    """Covered vs not-covered replies that had everything but MIN_QUESTION_QUOTED to pass, per cut-off."""
    from shared.ai.verify.stems import quoted_coverage
    from shared.ai.verify.verifier import MIN_QUESTION_QUOTED

    rows = [(r["question"].kind, quoted_coverage(r["question"].text, "\n".join(r["quotes"]))) for r in results
            if r["quotes"] and (r["sent"] or r["reason"] == "not_answered")]
    print("question words in the quotes ≥   covered   not-covered   (replies sent or held only as not_answered)")
    for cut in (0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0):
        counts = Counter(kind for kind, value in rows if value >= cut)
        marker = "  ← MIN_QUESTION_QUOTED" if abs(cut - MIN_QUESTION_QUOTED) < 1e-9 else ""
        print(f"{cut:>31.2f}   {counts['covered']:>7}   {counts['not_covered']:>11}{marker}")


def score(results: list[dict], shops: dict[str, Shop]) -> dict[str, float]:
    from shared.ai.language import detect
    from shared.ai.prompt import SYSTEM_TEMPLATE, answer_instruction
    from shared.ai.verify.echo import find_echo
    from shared.ai.verify.facts import FactIndex, unsupported

    by_kind: dict[str, list[dict]] = {}
    for result in results:
        by_kind.setdefault(result["question"].kind, []).append(result)
    covered, not_covered, person = (by_kind.get(k, []) for k in ("covered", "not_covered", "needs_person"))
    replies = [r for r in results if r["reply"]]
    unsupported_replies, leaks, language_ok = [], 0, 0
    for result in replies:
        question, shop = result["question"], shops[result["question"].shop]
        # The customer's words are evidence too, so each reply gets its own index.
        evidence = FactIndex.of([*(d.text for d in shop.documents), question.text])
        if unsupported(result["reply"], evidence):
            unsupported_replies.append(result)
        instructions = [SYSTEM_TEMPLATE, answer_instruction(question.language)]
        if find_echo(result["reply"], instructions=instructions, titles=[d.title for d in shop.documents],
                     evidence="\n".join([*(d.text for d in shop.documents), question.text])):
            leaks += 1
        detection = detect(result["reply"])
        language_ok += detection.fallback or detection.language == question.language

    def rate(part: int, whole: int) -> float:
        return round(part / whole, 3) if whole else 0.0

    seconds = [r["seconds"] for r in results]
    return {
        "keyFactAccuracy": rate(sum(1 for r in covered if r["reply"] and all(
            fact_found(f, r["reply"]) for f in r["question"].key_facts)), len(covered)),
        "unsupportedClaimRate": rate(len(unsupported_replies), len(replies)),
        "unsupportedClaimAutoSent": sum(1 for r in unsupported_replies if r["sent"]),
        "notCoveredAutoSendRate": rate(sum(r["sent"] for r in not_covered), len(not_covered)),
        "needsPersonAutoSendRate": rate(sum(r["sent"] for r in person), len(person)),
        "promptLeakRate": rate(leaks, len(replies)),
        "languageMatch": rate(language_ok, len(replies)),
        "coveredAnsweredRate": rate(sum(1 for r in covered if r["reply"]), len(covered)),
        "coveredAutoSentRate": rate(sum(r["sent"] for r in covered), len(covered)),
        "replies": len(replies), "questions": len(results),
        "p50Seconds": round(percentile(seconds, 50), 2) if seconds else 0.0,
        "p99Seconds": round(percentile(seconds, 99), 2) if seconds else 0.0,
    }


async def gate_only(stores, tenants: dict[str, uuid.UUID], shops: dict[str, Shop], questions: list[Question]) -> int:
    from shared.ai.agent import MIN_QUESTION_COVERAGE, RETRIEVAL_K
    from shared.ai.prompt import chunks_in_prompt
    from shared.ai.verify.stems import coverage
    from shared.knowledge.retrieval import search
    from shared.knowledge.similarity import embedding_model_id, similarity_thresholds

    threshold = similarity_thresholds(embedding_model_id()).grounding
    rows: list[tuple[str, float]] = []
    for question in questions:
        if question.kind == "needs_person":
            continue
        hits = await search(stores, tenants[question.shop], question.text, RETRIEVAL_K)
        chunks = chunks_in_prompt([h for h in hits if h.similarity >= threshold])
        rows.append((question.kind, coverage(question.text, "\n".join(c.text for c in chunks)) if chunks else -1.0))
    print(f"{'min coverage':>12}  covered passing  not-covered passing   (grounding similarity ≥ {threshold})")
    for cut in (0.0, 0.2, 0.25, 0.3, 0.34, 0.4, 0.5, 0.6, 0.75):
        passing = Counter(kind for kind, value in rows if value >= cut and value >= 0)
        totals = Counter(kind for kind, _ in rows)
        marker = "  ← MIN_QUESTION_COVERAGE" if abs(cut - MIN_QUESTION_COVERAGE) < 1e-9 else ""
        print(f"{cut:>12.2f}  {passing['covered']:>4}/{totals['covered']:<4} {'':8}"
              f"{passing['not_covered']:>4}/{totals['not_covered']:<4}{marker}")
    return 0


async def main(args: argparse.Namespace) -> int:
    from shared.ai.routing import load_endpoints
    from shared.ai.verify import qualification

    if not frozen_split_intact():
        print("bench/data/answers/questions_test.jsonl differs from FROZEN.sha256: the frozen split was edited",
              file=sys.stderr)
        return 2
    shops = load_shops()
    questions = load_questions(args.split)
    if args.kinds:
        questions = [q for q in questions if q.kind in args.kinds.split(",")]
    if args.limit:
        questions = questions[:args.limit]
    if args.model == "worst-case":
        return await with_worst_case_model(args)
    model = load_endpoints().local.model
    # The verifier and the gates decide what is sent during the eval, not the qualification it measures.
    os.environ["AI_MODEL_QUALIFIED_WITHOUT_EVAL"] = model
    async with live_stores() as stores:
        needed = {q.shop for q in questions}
        tenants: dict[str, uuid.UUID] = {}
        try:
            for slug in sorted(needed):
                tenants[slug] = await create_shop(stores, shops[slug])
            print(f"{len(questions)} questions ({args.split} split), {len(tenants)} shops, model {model}",
                  file=sys.stderr)
            if args.gate_only:
                return await gate_only(stores, tenants, shops, questions)
            results = []
            for number, question in enumerate(questions, 1):
                results.append(await ask(stores, tenants[question.shop], shops[question.shop], question))
                if not args.quiet:
                    r = results[-1]
                    print(f"[{number}/{len(questions)}] {question.id} {question.kind}: {r['action']}"
                          f" {r['reason'] or ''} {r['seconds']:.1f}s", file=sys.stderr)
                if args.show and results[-1]["reply"]:
                    print(json.dumps({"question": question.text, "reason": results[-1]["reason"],
                                      "quotes": results[-1]["quotes"], "reply": results[-1]["reply"]},
                                     ensure_ascii=False))
        finally:
            for tenant_id in tenants.values():
                await delete_bench_tenant(stores, tenant_id)
        figures = score(results, shops)
        from shared.ai.verify.stems import content_words, quoted_coverage, shared_words

        quoted_coverage_table(results)
        if args.misses:
            for r in results:
                if r["question"].kind != "covered" and r["quotes"] and (r["sent"] or r["reason"] == "not_answered"):
                    quoted = "\n".join(r["quotes"])
                    missing = content_words(r["question"].text) - shared_words(r["question"].text, quoted)
                    print(f"{'SENT' if r['sent'] else 'held'} {r['question'].kind} {r['question'].id} "
                          f"coverage {quoted_coverage(r['question'].text, quoted):.2f} missing {sorted(missing)}: "
                          f"{r['question'].text!r} → {r['reply']!r}")
                elif r["question"].kind == "covered" and r["reason"] == "not_answered":
                    missing = content_words(r["question"].text) - shared_words(r["question"].text, "\n".join(r["quotes"]))
                    print(f"HELD covered {r['question'].id}: {r['question'].text!r} missing {sorted(missing)}")
        for kind in ("covered", "not_covered", "needs_person"):
            reasons = Counter(r["reason"] or r["action"] for r in results if r["question"].kind == kind)
            print(f"{kind}: " + ", ".join(f"{k}={v}" for k, v in reasons.most_common()))
        verdicts = qualification.passes(figures)
        for name, value in figures.items():
            op_limit = qualification.THRESHOLDS.get(name)
            verdict = "" if op_limit is None else f"  (needs {op_limit[0]} {op_limit[1]}: " \
                                                   f"{'pass' if verdicts[name] else 'FAIL'})"
            print(f"{name:>26} {value}{verdict}")
        passed = all(verdicts.values())
        if args.record:
            await qualification.record(model, figures, answer_set=f"{args.split}:{len(questions)}")
            print(f"recorded: {model} {'qualified' if passed else 'not qualified'} for autopilot")
        print(f"model={model} qualified={'yes' if passed else 'no'}")
        return 0 if passed else 1


async def with_worst_case_model(args: argparse.Namespace) -> int:
    from bench import worst_case_model

    async with worst_case_model.serving_as_the_configured_model():
        return await main(argparse.Namespace(**{**vars(args), "model": "configured", "record": False}))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("test", "train", "all"), default="test")
    parser.add_argument("--kinds", default="", help="comma-separated: covered,not_covered,needs_person")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--record", action="store_true", help="store the result as the model's qualification")
    parser.add_argument("--gate-only", action="store_true", help="retrieval gates only, no model calls")
    parser.add_argument("--model", choices=("configured", "worst-case"), default="configured")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--misses", action="store_true", help="print what was sent that should not have been")
    parser.add_argument("--show", action="store_true", help="print every reply with its quotes and reason")
    parser.add_argument("--max-minutes", type=float, default=120)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(run_bounded(lambda: main(arguments), arguments.max_minutes))
