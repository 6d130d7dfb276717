"""Recall@1, recall@5 and MRR of hybrid search on a Polish shop FAQ, for several hybrid alphas.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.kb_recall [--alphas 0,0.25,0.5,0.75,1] [--show-misses]

The FAQ (bench/data/faq_pl.json) is rendered as Markdown, uploaded for a fresh tenant and ingested
with the production path; every labelled customer question is then searched with top-5 hybrid
search. A second fresh tenant holds the same chunks embedded without their heading (the FAQ
question), to show what the heading prefix in the embedded text is worth.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from tqdm import tqdm

from bench._common import (
    create_bench_tenant, delete_bench_tenant, live_stores, publish_document, run_bounded,
)
from shared.knowledge import service
from shared.knowledge.chunking import chunk_sections
from shared.knowledge.extraction import detect_kind, extract_sections
from shared.knowledge.ingestion import ingest_document
from shared.knowledge.retrieval import search
from shared.knowledge.stores import KnowledgeStores

FAQ = Path(__file__).parent / "data" / "faq_pl.json"
K = 5
# Weaviate's default stopwords are English; these Polish function words otherwise dominate BM25.
POLISH_STOPWORDS = frozenset("""
a aby ale bo by być co czy dla do go i ich ja jak jaka jaki jakie jakiej jest już ma mam mi mnie mogę może
moja moje mój na nie o od po przez się są ta tak te tego tej ten to u w was we wy z za ze że
""".split())


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    entry: str
    noisy: bool  # missing diacritics or typos


@dataclass
class Scores:
    ranks: list[int | None]  # 1-based rank of the right entry in the top K, None if absent

    def recall(self, at: int, only: list[bool] | None = None) -> float:
        picked = [r for n, r in enumerate(self.ranks) if only is None or only[n]]
        return sum(1 for r in picked if r is not None and r <= at) / max(1, len(picked))

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / max(1, len(self.ranks))


def faq_markdown(faq: dict) -> bytes:
    lines = [f"# FAQ — {faq['shop']}", ""]
    for entry in faq["entries"]:
        lines += [f"## {entry['question']}", "", entry["answer"], ""]
    return "\n".join(lines).encode()


async def ingest_faq(stores: KnowledgeStores, tenant_id: UUID, data: bytes) -> UUID:
    document = await service.add_document_bytes(stores, tenant_id, None, "faq.md", data, title="FAQ sklepu")
    status = await ingest_document(stores, tenant_id, document.id)
    if status != "ready":
        raise RuntimeError(f"FAQ ingestion ended as {status}")
    return document.id


def without_stopwords(query: str) -> str:
    words = [w for w in query.split() if w.lower().strip("?,.!—-") not in POLISH_STOPWORDS]
    return " ".join(words) or query


async def evaluate(stores: KnowledgeStores, tenant_id: UUID, questions: list[Question],
                   entry_of_chunk: dict[int, str], alpha: float, misses: list[str] | None,
                   query_vectors: dict[str, list[float]] | None = None) -> Scores:
    """With ``query_vectors``: BM25 gets the question without stopwords (raw hybrid on the tenant handle)."""
    ranks: list[int | None] = []
    for question in questions:
        if query_vectors is None:
            found = [entry_of_chunk[h.chunk_index]
                     for h in await search(stores, tenant_id, question.text, K, alpha=alpha)]
        else:
            hits = await stores.vectors(tenant_id).hybrid(without_stopwords(question.text),
                                                         query_vectors[question.text], limit=K, alpha=alpha)
            found = [entry_of_chunk[h.chunk_index] for h in hits]
        rank = found.index(question.entry) + 1 if question.entry in found else None
        ranks.append(rank)
        if misses is not None and rank != 1:
            misses.append(f"  {question.text!r}: expected {question.entry}, "
                          f"rank {rank or '>5'}; top: {', '.join(found[:3])}")
    return Scores(ranks)


async def run(args: argparse.Namespace) -> int:
    faq = json.loads(FAQ.read_text())
    questions = [Question(q["q"], q["entry"], q.get("noisy", False)) for q in faq["questions"]]
    data = faq_markdown(faq)
    chunks = chunk_sections(extract_sections(detect_kind(data, "faq.md"), data))
    entry_by_question = {e["question"]: e["id"] for e in faq["entries"]}
    entry_of_chunk = {c.index: entry_by_question[c.heading] for c in chunks}
    if sorted(set(entry_of_chunk.values())) != sorted(entry_by_question.values()):
        raise RuntimeError("every FAQ entry must end up in its own chunk(s)")

    results: dict[tuple[str, float], Scores] = {}
    misses: dict[str, list[str]] = {"heading": [], "no heading": [], "stopwords": []}
    async with live_stores() as stores:
        with_heading = await create_bench_tenant("recall")
        without_heading = await create_bench_tenant("recall-nohead")
        try:
            await ingest_faq(stores, with_heading, data)
            plain = await stores.embedder.embed_passages([c.text for c in chunks])
            await publish_document(stores, without_heading, "faq.md", "FAQ sklepu", chunks, plain)
            texts = [q.text for q in questions]
            query_vectors = dict(zip(texts, await stores.embedder.embed_queries(texts), strict=True))
            variants = {"heading": with_heading, "no heading": without_heading, "stopwords": with_heading}
            runs = [(v, a) for v in variants for a in args.alphas]
            for variant, alpha in tqdm(runs, desc="variants × alphas", unit="run"):
                show = misses[variant] if args.show_misses and alpha == args.miss_alpha else None
                results[(variant, alpha)] = await evaluate(
                    stores, variants[variant], questions, entry_of_chunk, alpha, show,
                    query_vectors if variant == "stopwords" else None)
        finally:
            if not args.keep:
                for tenant_id in (with_heading, without_heading):
                    await delete_bench_tenant(stores, tenant_id)

    noisy = [q.noisy for q in questions]
    clean = [not n for n in noisy]
    print()
    print(f"kb_recall — {len(faq['entries'])} FAQ entries ({len(chunks)} chunks), {len(questions)} labelled "
          f"questions ({sum(noisy)} without diacritics or with typos), top-{K} hybrid search")
    print("  alpha: 0 = BM25 only, 1 = vectors only; the production default is 0.5")
    print("  'heading': production ingestion (the FAQ question is the chunk heading, embedded with the answer)")
    print("  'no heading': same chunks, embedding of the answer text only (BM25 still sees the title)")
    print("  'stopwords': production index, Polish stopwords removed from the BM25 side of the query only")
    print()
    header = f"  {'variant':<12}{'alpha':>6}{'R@1':>8}{'R@5':>8}{'MRR':>8}{'R@5 clean':>11}{'R@5 noisy':>11}"
    print(header)
    for (variant, alpha), scores in results.items():
        print(f"  {variant:<12}{alpha:>6.2f}{scores.recall(1):>8.3f}{scores.recall(5):>8.3f}{scores.mrr:>8.3f}"
              f"{scores.recall(5, clean):>11.3f}{scores.recall(5, noisy):>11.3f}")
    for variant, lines in misses.items():
        if lines:
            print(f"\n  not at rank 1 ({variant}, alpha {args.miss_alpha}):")
            print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb_recall", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alphas", default="0,0.25,0.5,0.75,1",
                        type=lambda s: [float(a) for a in s.split(",")])
    parser.add_argument("--show-misses", action="store_true", help="list questions not answered at rank 1")
    parser.add_argument("--miss-alpha", type=float, default=0.5, help="alpha whose misses are listed")
    parser.add_argument("--keep", action="store_true", help="keep the bench tenants (default: delete them)")
    parser.add_argument("--max-minutes", type=float, default=10.0)
    args = parser.parse_args(argv)
    if not all(0 <= a <= 1 for a in args.alphas) or len(args.alphas) > 11:
        parser.error("alphas must be 1..11 values between 0 and 1")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
