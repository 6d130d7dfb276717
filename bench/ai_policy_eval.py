"""Precision and recall of language detection, handoff classification and the policy guard.

    .venv/bin/python -m bench.ai_policy_eval [--compare-detectors]

Runs on the labelled sets in tests/ai/*_cases.py (no servers needed). The handoff held-out set was
written after the rules were tuned; its numbers are the honest estimate. `--compare-detectors`
also scores lingua and py3langid (if installed) alone on every 1-, 2- and 3-word window of the long
labelled messages, the measurement behind the choice of detector.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable

from shared.ai import language as lang
from shared.ai.handoff import ALL_TOPICS, DEFAULT_HANDOFF_TOPICS, classify_handoff
from shared.ai.policy_guard import check_reply
from tests.ai import handoff_cases, language_cases, policy_cases


def per_label(pairs: Iterable[tuple[set[str], set[str]]], labels: Iterable[str]) -> None:
    pairs = list(pairs)
    print(f"  {'label':<22}{'support':>8}{'precision':>11}{'recall':>8}{'f1':>7}")
    for label in labels:
        tp = sum(label in e and label in g for e, g in pairs)
        fp = sum(label not in e and label in g for e, g in pairs)
        fn = sum(label in e and label not in g for e, g in pairs)
        if tp + fp + fn == 0:
            continue
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {label:<22}{tp + fn:>8}{p:>11.2f}{r:>8.2f}{f1:>7.2f}")
    exact = sum(e == g for e, g in pairs)
    print(f"  exact label sets: {exact}/{len(pairs)}")


def binary(name: str, pairs: list[tuple[bool, bool]]) -> None:
    tp = sum(e and g for e, g in pairs)
    fp = sum(g and not e for e, g in pairs)
    fn = sum(e and not g for e, g in pairs)
    tn = len(pairs) - tp - fp - fn
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    print(f"  {name}: tp={tp} fp={fp} fn={fn} tn={tn}  precision={p:.2f} recall={r:.2f}")


def timed(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e6


def evaluate_language() -> None:
    print("Language detection (with fallbacks):")
    for name, cases in (("short, 1-3 words or none", language_cases.SHORT),
                        ("2-3 words", language_cases.TWO_THREE_WORDS), ("sentences", language_cases.LONG)):
        ok = sum(lang.detect_language(t, p) == e for t, p, e in cases)
        print(f"  {name:<28}{ok:>4}/{len(cases)}")
    confusion = Counter((e, lang.detect_language(t, p)) for t, p, e in language_cases.CASES)
    print("  confusion (expected → detected):", {f"{e}→{g}": n for (e, g), n in sorted(confusion.items()) if e != g}
          or "none")
    lang.warm_up()
    texts = [t for t, _, _ in language_cases.LONG]
    print(f"  {timed(lambda: [lang.detect(t) for t in texts], 20) / len(texts):.0f} µs per message")


def compare_detectors() -> None:
    detectors: dict[str, Callable[[str], str]] = {"lingua": lambda t: lang._statistical(t)[0]}
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(lang.LANGUAGES))
        detectors["py3langid"] = lambda t: identifier.classify(t)[0]
    except ImportError:
        print("  (py3langid not installed: pip install py3langid to compare)")
    print("Detectors alone on n-word windows of the labelled sentences (Bulgarian left out: script decides):")
    for name, detect in detectors.items():
        scores = []
        for n in (1, 2, 3):
            ok = total = 0
            for text, _, expected in language_cases.LONG:
                if expected == "bg":
                    continue
                words = [w for w in re.findall(r"\w+", text) if not w.isdigit()]
                for i in range(len(words) - n + 1):
                    total += 1
                    ok += detect(" ".join(words[i:i + n])) == expected
            scores.append(f"{n}-word {ok}/{total}={ok / total:.3f}")
        print(f"  {name:<10}", "  ".join(scores))


def evaluate_handoff() -> None:
    for name, cases in (("labelled set", handoff_cases.CASES), ("held-out set", handoff_cases.HELD_OUT)):
        print(f"Handoff topics, {name} ({len(cases)} messages):")
        decisions = [(expected, classify_handoff(text)) for text, expected in cases]
        per_label(((e, set(d.topics)) for e, d in decisions), ALL_TOPICS)
        binary("needs_human (default topics)", [(bool(e & DEFAULT_HANDOFF_TOPICS), d.needs_human) for e, d in decisions])
    texts = [t for t, _ in handoff_cases.CASES]
    print(f"  {timed(lambda: [classify_handoff(t) for t in texts], 20) / len(texts):.0f} µs per message")


def evaluate_policy() -> None:
    cases = policy_cases.CASES
    print(f"Policy guard ({len(cases)} drafts):")
    results = [(expected, check_reply(p, t, forbidden_phrases=policy_cases.FORBIDDEN)) for p, t, expected in cases]
    codes = sorted({c for e, _ in results for c in e} | {c for _, r in results for c in r.codes})
    per_label(((e, set(r.codes)) for e, r in results), codes)
    binary("blocked", [(bool(e), not r.allowed) for e, r in results])
    print(f"  {timed(lambda: [check_reply(p, t) for p, t, _ in cases], 20) / len(cases):.0f} µs per draft")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-detectors", action="store_true")
    args = parser.parse_args()
    evaluate_language()
    if args.compare_detectors:
        compare_detectors()
    evaluate_handoff()
    evaluate_policy()


if __name__ == "__main__":
    main()
