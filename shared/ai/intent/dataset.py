"""The labelled customer messages (`bench/data/intents/`) and their frozen train/test split.

`messages_*.jsonl` are split by a hash of the text (TEST_SHARE to test). `train_only_*.jsonl` go to the
train split only: messages added after the test split was frozen, so that adding them leaves
test.jsonl byte-identical. `procedural_holdout.jsonl` is neither: a held-out set that is never trained on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.ai.intent.labels import INTENTS, NEEDS_PERSON

DATA_DIR = Path(__file__).resolve().parents[3] / "bench" / "data" / "intents"
SOURCES = "messages_*.jsonl"
TRAIN_ONLY_SOURCES = "train_only_*.jsonl"
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


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def split(examples: list[Example], test_share: float = TEST_SHARE) -> tuple[list[Example], list[Example]]:
    """Deterministic: a message goes to test when a hash of its text falls in the first `test_share`,
    so adding messages later never moves an old one across. Duplicates (case, spacing) count once."""
    train, test = [], []
    seen: set[str] = set()
    for example in examples:
        key = _key(example.text)
        if key in seen:
            continue
        seen.add(key)
        position = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (test if position < test_share else train).append(example)
    return train, test


def add_train_only(train: list[Example], test: list[Example], extra: list[Example]) -> list[Example]:
    """`train` followed by the train-only messages it does not have yet; one that is in `test` is an error
    (the frozen split must never be trained on)."""
    in_test = {_key(e.text) for e in test}
    seen = {_key(e.text) for e in train}
    leaked = [e.text for e in extra if _key(e.text) in in_test]
    if leaked:
        raise BadDataset(f"train-only messages already in the test split: {leaked[:3]}")
    added = []
    for example in extra:
        if _key(example.text) not in seen:
            seen.add(_key(example.text))
            added.append(example)
    return train + added


def build() -> tuple[list[Example], list[Example], int]:
    """(train, test, how many messages were read) from the source files in DATA_DIR."""
    examples = [e for source in sorted(DATA_DIR.glob(SOURCES)) for e in read_examples(source)]
    train, test = split(examples)
    extra = [e for source in sorted(DATA_DIR.glob(TRAIN_ONLY_SOURCES)) for e in read_examples(source)]
    return add_train_only(train, test, extra), test, len(examples) + len(extra)


def main() -> None:
    """Freeze the split: `python -m shared.ai.intent.dataset` writes train.jsonl and test.jsonl."""
    train, test, read = build()
    write_examples(TRAIN_FILE, train)
    write_examples(TEST_FILE, test)
    print(f"{read} messages → train {len(train)}, test {len(test)} "
          f"(needsHuman: train {sum(e.needs_human for e in train)}, test {sum(e.needs_human for e in test)})")


if __name__ == "__main__":
    main()
