"""The labelled customer messages (`bench/data/intents/`) and their frozen train/test split."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.ai.intent.labels import INTENTS, NEEDS_PERSON

DATA_DIR = Path(__file__).resolve().parents[3] / "bench" / "data" / "intents"
SOURCES = "messages_*.jsonl"
TRAIN_FILE, TEST_FILE = DATA_DIR / "train.jsonl", DATA_DIR / "test.jsonl"
TEST_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    needs_human: bool
    intents: tuple[str, ...] = ()
    lang: str | None = None


class BadDataset(ValueError):
    pass


def read_examples(path: Path) -> list[Example]:
    """JSON lines with at least {"text", "needsHuman"}; `intents` and `lang` when the file has them."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, needs_human = row["text"], row["needsHuman"]
        except (json.JSONDecodeError, KeyError, TypeError) as problem:
            raise BadDataset(f"{path}:{number}: expected a JSON object with text and needsHuman ({problem})") from None
        if not isinstance(text, str) or not isinstance(needs_human, bool):
            raise BadDataset(f"{path}:{number}: text must be a string and needsHuman true or false")
        intents = tuple(row.get("intents") or ())
        unknown = [i for i in intents if i not in INTENTS]
        if unknown:
            raise BadDataset(f"{path}:{number}: unknown intents {unknown}")
        if intents and any(i in NEEDS_PERSON for i in intents) != needs_human:
            raise BadDataset(f"{path}:{number}: needsHuman disagrees with the intents {list(intents)}")
        examples.append(Example(text, needs_human, intents, row.get("lang")))
    return examples


def write_examples(path: Path, examples: Iterable[Example]) -> None:
    lines = [json.dumps({"text": e.text, "intents": list(e.intents), "needsHuman": e.needs_human, "lang": e.lang},
                        ensure_ascii=False) for e in examples]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split(examples: list[Example], test_share: float = TEST_SHARE) -> tuple[list[Example], list[Example]]:
    """Deterministic: a message goes to test when a hash of its text falls in the first `test_share`,
    so adding messages later never moves an old one across. Duplicates (case, spacing) count once."""
    train, test = [], []
    seen: set[str] = set()
    for example in examples:
        key = " ".join(example.text.split()).lower()
        if key in seen:
            continue
        seen.add(key)
        position = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (test if position < test_share else train).append(example)
    return train, test


def main() -> None:
    """Freeze the split: `python -m shared.ai.intent.dataset` writes train.jsonl and test.jsonl."""
    examples = [e for source in sorted(DATA_DIR.glob(SOURCES)) for e in read_examples(source)]
    train, test = split(examples)
    write_examples(TRAIN_FILE, train)
    write_examples(TEST_FILE, test)
    print(f"{len(examples)} messages → train {len(train)}, test {len(test)} "
          f"(needsHuman: train {sum(e.needs_human for e in train)}, test {sum(e.needs_human for e in test)})")


if __name__ == "__main__":
    main()
