"""The labelled corpus the shipped model is trained from, and how it is split.

``corpus/train/<lang>.jsonl`` teaches; ``corpus/test/<lang>.jsonl`` was written apart from it
(other authors' phrasings, hard cases first) and only ever measures. For choosing settings
(regularisation, the confidence threshold) a development split is carved out of *train* by a
hash of the text, so the test split stays unseen by every decision made about the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    language: str = ""
    channel: str = ""
    risk: tuple[str, ...] | None = None  # None: not annotated
    pii: tuple[str, ...] | None = None
    source: str = field(default="corpus", compare=False)


def _as_tuple(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(str(v) for v in value)


def example_from(row: dict, *, source: str = "corpus") -> Example:
    """An Example from one JSONL object (``lang`` or ``language``; ``risk``/``pii`` optional)."""
    return Example(
        text=str(row.get("text") or ""),
        category=str(row.get("category") or ""),
        language=str(row.get("lang") or row.get("language") or ""),
        channel=str(row.get("channel") or ""),
        risk=_as_tuple(row.get("risk")),
        pii=_as_tuple(row.get("pii")),
        source=source,
    )


def jsonl_read(path: Path, *, source: str = "corpus") -> Iterator[Example]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            example = example_from(row, source=source)
            if example.text and example.category:
                yield example


def corpus_load(split: str, *, directory: Path | None = None) -> list[Example]:
    """Every example of one split, files in name order (the order training sees them)."""
    if split not in SPLITS:
        raise ValueError(f"Unknown corpus split {split!r}; one of {SPLITS}")
    folder = (directory or CORPUS_DIR) / split
    examples: list[Example] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for example in jsonl_read(path, source=f"corpus/{split}"):
            key = " ".join(example.text.split()).casefold()
            if key not in seen:  # an exact repeat would only weigh its label twice
                seen.add(key)
                examples.append(example)
    return examples


def is_dev(example: Example, *, every: int = 7) -> bool:
    """One training example in ``every`` belongs to the development split (stable per text)."""
    digest = hashlib.sha256(example.text.encode("utf-8", "surrogatepass")).digest()
    return digest[0] % every == 0


def corpus_fingerprint(examples: list[Example]) -> str:
    """SHA-256 of the examples (text and label), recorded with every model trained from them."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update(e.text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        digest.update(e.category.encode())
        digest.update(b"\n")
    return digest.hexdigest()
