"""Reply-pipeline overhead: everything `handle_customer_message` does except the LLM's own generation.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.ai_pipeline [--messages 200] [--max-tokens 60]

A fresh seller gets a Polish shop policy (returns, shipping, payments, warranty, invoices) ingested by
the production path and three curated answers. Then `--messages` customer messages, each in its own
conversation (so no burst/debounce skips one), are recorded with `record_inbound_message` and
answered by the real agent against the real LLM server, embeddings, Weaviate and Postgres.

Per message: total = wall time of `handle_customer_message`; LLM = the sum of `usage_logs.latency_ms`
of that conversation (the agent logs `Completion.latency_ms`, the time of the chat-completion call
itself, once per LLM call); overhead = total − LLM. The stores handed to the agent wrap the embedder
and the two Weaviate handles with stopwatches, which splits the overhead further. After the run,
the same texts go once more through retrieval.search, the query embedding, load_context and the
pure-Python steps alone, as a baseline measured in the same process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import UUID

from tqdm import tqdm

from bench._common import (
    Stopwatch, create_bench_tenant, database_label, delete_bench_tenant, live_stores, percentile, run_bounded,
)
from shared.ai import language as lang
from shared.ai.agent import handle_customer_message
from shared.ai.config import get_ai_config, update_ai_config
from shared.ai.context import load_context
from shared.ai.handoff import classify_handoff
from shared.ai.schemas import AiConfigPatch
from shared.ai.tables import UsageLog
from shared.channels.inbound import InboundMessage, record_inbound_message
from shared.infra.embeddings import Embedder
from shared.knowledge.answers import CuratedAnswerIn, create_answer, delete_answer, list_answers
from shared.knowledge.ingestion import ingest_document
from shared.knowledge.retrieval import search
from shared.knowledge.service import add_document_bytes
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.db import tenant_tx
from shared.tenancy.vectors import TenantCuratedQuestions, TenantVectors

POLICY = """# Regulamin sklepu Domowe Drobiazgi

## Zwroty towaru

Kupujący może zwrócić towar bez podania przyczyny w ciągu 14 dni od dnia otrzymania przesyłki. Aby
skorzystać z prawa odstąpienia od umowy, wystarczy wypełnić formularz zwrotu dołączony do paczki albo
napisać do nas wiadomość z numerem zamówienia. Towar należy odesłać na adres magazynu: ul. Składowa 12,
61-897 Poznań. Koszt odesłania towaru ponosi kupujący, chyba że otrzymał produkt niezgodny z zamówieniem.

Pieniądze zwracamy w ciągu 14 dni od otrzymania zwrotu, tą samą metodą płatności, której użyto przy
zakupie. Zwracany towar nie może nosić śladów użytkowania. Produkty na zamówienie (grawerowane kubki,
personalizowane poduszki) nie podlegają zwrotowi.

## Wysyłka i dostawa

Zamówienia opłacone do godziny 13:00 w dni robocze wysyłamy tego samego dnia. Paczki dostarcza kurier
InPost lub DPD, zwykle w ciągu 1–2 dni roboczych. Można też wybrać odbiór w Paczkomacie InPost.
Wysyłka kosztuje 12,99 zł kurierem i 9,99 zł do Paczkomatu; przy zamówieniach od 199 zł dostawa jest
darmowa. Numer przesyłki wysyłamy e-mailem w dniu nadania paczki, dzięki czemu można ją śledzić.

Wysyłamy także do Czech, Słowacji i Niemiec; dostawa za granicę trwa 3–5 dni roboczych i kosztuje
39 zł. Nie wysyłamy paczek poza Unię Europejską.

## Płatności

Akceptujemy płatności przez Przelewy24, BLIK, kartą płatniczą (Visa, Mastercard) oraz zwykłym
przelewem na konto. Przy przelewie tradycyjnym zamówienie wysyłamy po zaksięgowaniu wpłaty, co trwa
zwykle jeden dzień roboczy. Płatność przy odbiorze (za pobraniem) jest możliwa tylko przy dostawie
kurierem i kosztuje dodatkowo 5 zł. Zakupy na raty są dostępne przez PayU dla zamówień od 300 zł.

## Gwarancja i reklamacje

Na wszystkie produkty udzielamy 24 miesięcy gwarancji, a niezależnie od niej przysługuje rękojmia.
Reklamację można zgłosić mailowo lub przez formularz na stronie; rozpatrujemy ją w ciągu 14 dni.
Do reklamacji prosimy dołączyć zdjęcia wady i numer zamówienia. Produkt uszkodzony w transporcie
należy zgłosić w ciągu 7 dni, najlepiej ze zdjęciami paczki i protokołem szkody od kuriera.

## Faktury

Do każdego zamówienia wystawiamy paragon albo fakturę VAT. Aby otrzymać fakturę na firmę, należy
podać NIP w uwagach do zamówienia lub w wiadomości przed wysyłką. Faktura w formacie PDF przychodzi
e-mailem w dniu wysyłki. Fakturę do paragonu możemy wystawić w ciągu 3 miesięcy od zakupu, jeśli
zakup był na firmę.

## Zmiana i anulowanie zamówienia

Zamówienie można zmienić lub anulować, dopóki nie zostało wysłane: wystarczy napisać wiadomość z
numerem zamówienia. Po nadaniu paczki zmiana nie jest możliwa, ale można skorzystać z prawa zwrotu.
"""

CURATED = [
    ("Czy wysyłacie paczki za granicę?",
     "Tak, wysyłamy do Czech, Słowacji i Niemiec (3–5 dni roboczych, 39 zł). Poza UE nie wysyłamy."),
    ("Czy można zapłacić przy odbiorze?",
     "Tak, płatność za pobraniem jest możliwa przy dostawie kurierem, za dodatkowe 5 zł."),
    ("Jaki jest numer konta do przelewu?",
     "Numer konta to 12 3456 7890 0000 1111 2222 3333 (Domowe Drobiazgi sp. z o.o.); w tytule prosimy "
     "wpisać numer zamówienia."),
]

# ~60%: questions the policy answers, in varied Polish (→ retrieval + LLM draft).
ANSWERABLE = [
    "W ile dni mogę zwrócić towar?", "Ile mam czasu na odesłanie produktu, jeśli mi się nie spodoba?",
    "Jak zwrócić zamówienie, na jaki adres mam odesłać paczkę?", "Kto płaci za odesłanie towaru przy zwrocie?",
    "Kiedy dostanę pieniądze po zwrocie towaru?", "Czy mogę zwrócić grawerowany kubek?",
    "Czy mogę zwrócić towar bez podania przyczyny?", "Jak szybko wysyłacie zamówienia?",
    "Jeśli zamówię dzisiaj rano, kiedy wyślecie paczkę?", "Ile kosztuje wysyłka kurierem?",
    "Od jakiej kwoty jest darmowa dostawa?", "Czy mogę odebrać paczkę w Paczkomacie?",
    "Jakim kurierem wysyłacie paczki?", "Ile trwa dostawa paczki?", "Jak mogę śledzić moją przesyłkę?",
    "Jakie formy płatności akceptujecie?", "Czy mogę zapłacić BLIKIEM?", "Czy mogę zapłacić kartą Visa?",
    "Czy można kupić na raty?", "Kiedy wyślecie paczkę, jeśli zapłacę zwykłym przelewem?",
    "Jak długa jest gwarancja na produkty?", "Ile czasu macie na rozpatrzenie reklamacji?",
    "Co mam dołączyć do zgłoszenia gwarancyjnego?", "W jakim terminie zgłosić paczkę uszkodzoną w transporcie?",
    "Czy wystawiacie faktury VAT?", "Jak dostać fakturę na firmę?", "Kiedy przyjdzie faktura za zamówienie?",
    "Czy możecie wystawić fakturę do paragonu?", "Czy mogę jeszcze zmienić adres dostawy w zamówieniu?",
    "Jak anulować zamówienie, które jeszcze nie zostało wysłane?", "Czy mogę dopisać coś do zamówienia?",
    "Czy zwrot pieniędzy będzie na kartę, którą płaciłem?",
]
# ~15%: the curated questions reworded slightly (→ verbatim curated answer, no LLM).
CURATED_ASKS = [
    "Czy wysyłacie paczki za granicę?", "czy wysyłacie paczki za granice", "Wysyłacie paczki za granicę?",
    "Czy można zapłacić przy odbiorze?", "czy mozna zaplacic przy odbiorze", "Czy można zapłacić przy odbiorze paczki?",
    "Jaki jest numer konta do przelewu?", "jaki jest numer konta do przelewu", "Jaki macie numer konta do przelewu?",
]
# ~15%: complaints, return requests, anger (→ handoff by the classifier, before any retrieval).
HANDOFF = [
    "Chcę złożyć reklamację, czajnik przyszedł uszkodzony!", "Składam reklamację, lampka nie działa od wczoraj.",
    "Odesłałem paczkę tydzień temu i dalej nie mam zwrotu pieniędzy.", "Proszę o zwrot pieniędzy, towar jest wadliwy.",
    "TO JEST SKANDAL, oszuście, zgłaszam sprawę na policję", "Kubek przyszedł rozbity, żądam wymiany.",
    "Zamówienie nie doszło od dwóch tygodni, to jest oszustwo!!!", "Oddajcie moje pieniądze, albo idę do sądu.",
    "NAJGORSZY SKLEP W JAKIM KUPOWAŁEM, NIGDY WIĘCEJ", "Poduszka ma dziurę, chcę odstąpić od umowy i zwrócić ją.",
    "Dostałem inny kolor niż zamówiłem, proszę o wymianę towaru.", "Zgłaszam reklamację, pękła rączka w garnku.",
]
# ~10%: nothing in the knowledge base answers these (→ retrieval finds nothing above the bar, handoff).
UNANSWERABLE = [
    "Czy ten dzbanek ma filtr do wody?", "Jaki kolor ma ten koc na zdjęciu?", "Czy macie sklep stacjonarny w Krakowie?",
    "Czy będzie promocja na Black Friday?", "Jakie wymiary ma ta półka?", "Czy ten garnek nadaje się na indukcję?",
    "Czy szukacie pracowników do magazynu?", "Z jakiego materiału jest ta zasłona?",
]
GREETINGS = ["", "", "Dzień dobry, ", "Witam, ", "Dzień dobry! ", "Hej, ", "Cześć, "]
SIGNOFFS = ["", "", "", " Pozdrawiam", " Dziękuję z góry.", " Z góry dzięki!", " Pozdrawiam, Anna"]
_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
MIX = (("answerable", 0.60, ANSWERABLE), ("curated", 0.15, CURATED_ASKS), ("handoff", 0.15, HANDOFF),
       ("unanswerable", 0.10, UNANSWERABLE))


def customer_messages(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(intended kind, text): the mix above, reworded with greetings, sign-offs, plain ASCII, lower case."""
    rng = random.Random(seed)
    kinds: list[tuple[str, list[str]]] = []
    for name, share, pool in MIX:
        kinds += [(name, pool)] * round(count * share)
    while len(kinds) < count:
        kinds.append(MIX[0][0::2])
    kinds = kinds[:count]
    rng.shuffle(kinds)
    out = []
    for name, pool in kinds:
        text = rng.choice(pool)
        if name in ("answerable", "unanswerable"):
            text = rng.choice(GREETINGS) + (text[0].lower() + text[1:] if rng.random() < 0.5 else text)
            text += rng.choice(SIGNOFFS)
            if rng.random() < 0.2:
                text = text.translate(_PLAIN)
        out.append((name, text))
    return out


class TimedEmbedder:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.settings = embedder.settings
        self.watch = Stopwatch()

    async def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return await self._embedder.embed_passages(texts)

    async def embed_queries(self, texts: list[str]) -> list[list[float]]:
        async with self.watch.timing():
            return await self._embedder.embed_queries(texts)

    async def close(self) -> None:
        await self._embedder.close()


class TimedVectors(TenantVectors):
    watch = Stopwatch()

    async def hybrid(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        async with self.watch.timing():
            return await super().hybrid(*args, **kwargs)


class TimedCurated(TenantCuratedQuestions):
    watch = Stopwatch()

    async def nearest(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        async with self.watch.timing():
            return await super().nearest(*args, **kwargs)


@dataclass
class TimedStores(KnowledgeStores):
    def vectors(self, tenant_id):  # type: ignore[no-untyped-def]
        return TimedVectors(self.weaviate, tenant_id)

    def curated_questions(self, tenant_id):  # type: ignore[no-untyped-def]
        return TimedCurated(self.weaviate, tenant_id)


@dataclass
class Run:
    kind: str
    text: str
    message_id: UUID
    outcome: str = ""
    reason: str | None = None
    total: float = 0.0
    llm: float = 0.0
    llm_calls: int = 0
    embed: float = 0.0
    embed_calls: int = 0
    hybrid: float = 0.0
    curated: float = 0.0
    baseline: dict[str, float] = field(default_factory=dict)

    @property
    def overhead(self) -> float:
        return self.total - self.llm

    @property
    def group(self) -> str:
        if self.outcome == "handoff":
            return "handoff, no_grounding" if self.reason == "no_grounding" else "handoff, classifier"
        return self.outcome


async def _llm_time(tenant_id: UUID, conversation_id: UUID) -> tuple[float, int]:
    async with tenant_tx(tenant_id):
        rows = await UsageLog.select(UsageLog.latency_ms).where(UsageLog.conversation_id == conversation_id)
    return sum((r["latency_ms"] or 0) for r in rows) / 1000, len(rows)


async def _record(tenant_id: UUID, text: str) -> tuple[UUID, UUID]:
    recorded = await record_inbound_message(tenant_id, InboundMessage(
        platform="allegro", conversation_ref=f"bench-{uuid.uuid4().hex}", message_ref=uuid.uuid4().hex,
        text=text, sent_at=datetime.now(timezone.utc), customer_name="kupujacy_bench"))
    return recorded.message_id, recorded.conversation_id


async def answer(stores: TimedStores, embedder: TimedEmbedder, tenant_id: UUID, kind: str, text: str) -> Run:
    message_id, conversation_id = await _record(tenant_id, text)
    run = Run(kind, text, message_id)
    marks = (embedder.watch.seconds, embedder.watch.calls, TimedVectors.watch.seconds, TimedCurated.watch.seconds)
    start = time.perf_counter()
    outcome = await handle_customer_message(stores, tenant_id, message_id)
    run.total = time.perf_counter() - start
    run.outcome = outcome.action
    if outcome.action in ("drafted", "approved") and outcome.citations and outcome.citations[0]["type"] == "curated":
        run.outcome = "curated"
    run.reason = outcome.reason
    run.embed = embedder.watch.seconds - marks[0]
    run.embed_calls = embedder.watch.calls - marks[1]
    run.hybrid = TimedVectors.watch.seconds - marks[2]
    run.curated = TimedCurated.watch.seconds - marks[3]
    run.llm, run.llm_calls = await _llm_time(tenant_id, conversation_id)
    return run


async def baseline(stores: KnowledgeStores, tenant_id: UUID, run: Run) -> None:
    """The same text through the pieces alone (plain stores, no stopwatches inside)."""
    timings = {}
    start = time.perf_counter()
    await load_context(tenant_id, run.message_id)
    timings["load_context"] = time.perf_counter() - start
    start = time.perf_counter()
    config = await get_ai_config(tenant_id)
    timings["get_ai_config"] = time.perf_counter() - start
    start = time.perf_counter()
    classify_handoff(run.text, topics=config.handoff_topics)
    lang.detect_language(run.text, config.language)
    timings["classify+language"] = time.perf_counter() - start
    start = time.perf_counter()
    await stores.embedder.embed_queries([run.text])
    timings["embed_queries"] = time.perf_counter() - start
    start = time.perf_counter()
    await search(stores, tenant_id, run.text, 5)
    timings["search"] = time.perf_counter() - start
    run.baseline = timings


async def prepare(stores: KnowledgeStores, max_tokens: int) -> tuple[UUID, int]:
    tenant_id = await create_bench_tenant("ai-pipeline")
    document = await add_document_bytes(stores, tenant_id, None, "regulamin.md", POLICY.encode(),
                                        title="Regulamin sklepu")
    status = await ingest_document(stores, tenant_id, document.id)
    if status != "ready":
        raise RuntimeError(f"policy ingestion ended as {status}")
    for question, text in CURATED:
        await create_answer(stores, tenant_id, None, CuratedAnswerIn(question=question, answer=text))
    await update_ai_config(tenant_id, AiConfigPatch(max_tokens=max_tokens))
    return tenant_id, await stores.vectors(tenant_id).count()


async def cleanup(stores: KnowledgeStores, tenant_id: UUID) -> None:
    for curated in await list_answers(tenant_id):
        await delete_answer(stores, tenant_id, curated.id)
    await delete_bench_tenant(stores, tenant_id)


def _stats(samples: list[float]) -> str:
    if not samples:
        return f"{'—':>10}{'—':>10}{'—':>10}"
    return (f"{percentile(samples, 50) * 1000:>8.1f}ms{percentile(samples, 99) * 1000:>8.1f}ms"
            f"{statistics.fmean(samples) * 1000:>8.1f}ms")


def report(runs: list[Run], warmup: list[Run], args: argparse.Namespace, chunks: int, seconds: float) -> None:
    header = f"  {'':<40}{'n':>5}{'p50':>10}{'p99':>10}{'mean':>10}"
    print()
    print(f"ai_pipeline — handle_customer_message on {len(runs)} Polish customer messages, database {database_label()}")
    print(f"  seller: policy document ({chunks} chunks, production ingestion), {len(CURATED)} curated answers, "
          f"max_tokens {args.max_tokens}, autopilot draft; one conversation per message")
    print(f"  {len(warmup)} warm-up messages first (not counted; the very first took {warmup[0].total * 1000:.0f} ms"
          f" total, {warmup[0].overhead * 1000:.0f} ms overhead)" if warmup else "  no warm-up")
    print(f"  measured run: {seconds:.0f} s wall")
    mix = Counter(r.kind for r in runs)
    print("  intended mix: " + ", ".join(f"{k} {mix[k]}" for k, _, _ in MIX))
    confusion = Counter((r.kind, r.group if r.group != "handoff, classifier" else f"handoff {r.reason}") for r in runs)
    print("  outcomes by intended kind:")
    for kind, _, _ in MIX:
        got = {g: n for (k, g), n in confusion.items() if k == kind}
        print(f"    {kind:<14}" + ", ".join(f"{g} {n}" for g, n in sorted(got.items(), key=lambda x: -x[1])))
    print()
    print("  overhead = wall time of handle_customer_message − LLM time (sum of usage_logs.latency_ms of the")
    print("  message's conversation = Completion.latency_ms, the chat-completion call itself, per LLM call)")
    print(header)
    print(f"  {'overhead, all messages':<40}{len(runs):>5}{_stats([r.overhead for r in runs])}")
    groups = defaultdict(list)
    for r in runs:
        groups[r.group].append(r)
    for name in ("drafted", "curated", "handoff, classifier", "handoff, no_grounding"):
        if groups.get(name):
            print(f"  {'  overhead, ' + name:<40}{len(groups[name]):>5}{_stats([r.overhead for r in groups[name]])}")
    for name in sorted(set(groups) - {"drafted", "curated", "handoff, classifier", "handoff, no_grounding"}):
        print(f"  {'  overhead, ' + name:<40}{len(groups[name]):>5}{_stats([r.overhead for r in groups[name]])}")
    llm_runs = [r for r in runs if r.llm_calls]
    print(f"  {'LLM time (messages with an LLM call)':<40}{len(llm_runs):>5}{_stats([r.llm for r in llm_runs])}")
    print(f"  {'total, messages with an LLM call':<40}{len(llm_runs):>5}{_stats([r.total for r in llm_runs])}")
    print(f"  {'total, all messages':<40}{len(runs):>5}{_stats([r.total for r in runs])}")
    calls = sum(r.llm_calls for r in runs)
    print(f"  LLM calls: {calls} in {len(llm_runs)} messages "
          f"({sum(r.llm_calls > 1 for r in runs)} needed a second try after an empty answer)")
    if llm_runs:
        shares = [r.overhead / r.total for r in llm_runs]
        print(f"  overhead / total, messages with an LLM call: p50 {percentile(shares, 50) * 100:.1f}%  "
              f"p99 {percentile(shares, 99) * 100:.1f}%  sum {sum(r.overhead for r in llm_runs) / sum(r.total for r in llm_runs) * 100:.1f}%")
    print(f"  overhead / total, all messages (sum): {sum(r.overhead for r in runs) / sum(r.total for r in runs) * 100:.1f}%")

    print()
    print("  inside the run — the stores handed to the agent wrap these calls with stopwatches:")
    print(f"  {'':<40}{'n':>5}{'p50':>10}{'p99':>10}{'mean':>10}")
    for name in ("drafted", "curated", "handoff, no_grounding"):
        rs = groups.get(name) or []
        if not rs:
            continue
        print(f"  {name} ({statistics.fmean(r.embed_calls for r in rs):.1f} query embeddings per message)")
        rest = [r.overhead - r.embed - r.hybrid - r.curated for r in rs]
        for label, values in (("query embedding (embed_queries)", [r.embed for r in rs]),
                              ("Weaviate curated nearest", [r.curated for r in rs]),
                              ("Weaviate hybrid", [r.hybrid for r in rs]),
                              ("rest: Postgres + Python", rest)):
            print(f"  {'  ' + label:<40}{len(rs):>5}{_stats(values)}")
    rs = groups.get("handoff, classifier") or []
    if rs:
        print(f"  handoff, classifier: no embedding or Weaviate call; all overhead is Postgres + Python")

    print()
    print("  baseline, same process after the run: each message's text through the pieces alone")
    print(f"  {'':<40}{'n':>5}{'p50':>10}{'p99':>10}{'mean':>10}")
    for key, label in (("load_context", "load_context (Postgres)"), ("get_ai_config", "get_ai_config (Postgres)"),
                       ("classify+language", "classify_handoff + detect_language"),
                       ("embed_queries", "embed_queries, 1 text"), ("search", "retrieval.search, k=5")):
        print(f"  {label:<40}{len(runs):>5}{_stats([r.baseline[key] for r in runs])}")
    drafted = groups.get("drafted") or []
    if drafted:
        base = [r.baseline["search"] + r.baseline["embed_queries"] for r in drafted]
        ratio_50 = percentile([r.overhead for r in drafted], 50) / percentile(base, 50)
        print(f"  drafted overhead / (search + one more embedding) alone, p50: {ratio_50:.2f}×  "
              "(the agent embeds the question twice: curated match, then retrieval)")


async def run(args: argparse.Namespace) -> int:
    async with live_stores() as stores:
        embedder = TimedEmbedder(stores.embedder)
        timed = TimedStores(stores.minio, stores.bucket, stores.weaviate, embedder, stores.redis)  # type: ignore[arg-type]
        tenant_id, chunks = await prepare(stores, args.max_tokens)
        try:
            warm_texts = [(k, pool[0]) for k, _, pool in MIX][:args.warmup]
            warmup = [await answer(timed, embedder, tenant_id, k, t) for k, t in warm_texts]
            messages = customer_messages(args.messages)
            runs = []
            started = time.perf_counter()
            for kind, text in tqdm(messages, desc="messages", unit="msg"):
                runs.append(await answer(timed, embedder, tenant_id, kind, text))
            seconds = time.perf_counter() - started
            for r in tqdm(runs, desc="baseline", unit="msg"):
                await baseline(stores, tenant_id, r)
        finally:
            if not args.keep:
                await cleanup(stores, tenant_id)
    report(runs, warmup, args, chunks, seconds)
    if args.keep:
        print(f"  tenant kept: {tenant_id}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ai_pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=4, help="messages answered first and not counted (0–4)")
    parser.add_argument("--max-tokens", type=int, default=60, help="the tenant's AI max_tokens (50–800)")
    parser.add_argument("--keep", action="store_true", help="keep the bench tenant")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="stop the whole bench after this")
    args = parser.parse_args(argv)
    if not (1 <= args.messages <= 5000 and 0 <= args.warmup <= 4 and 50 <= args.max_tokens <= 800):
        parser.error("out of range (messages 1..5000, warmup 0..4, max-tokens 50..800)")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
