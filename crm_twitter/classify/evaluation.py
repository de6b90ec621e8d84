"""The figures every model is judged by: per category, per language, coverage, confusions.

An abstention (confidence under the threshold) counts as a wrong answer in recall and accuracy —
a desk that suggests nothing is no help — and is reported separately as coverage.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

NONE = "—"  # the "no suggestion" label in confusions


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    count: int
    accuracy: float
    macro_f1: float
    coverage: float  # share of messages that got a suggestion
    accuracy_when_suggested: float
    per_category: dict[str, Scores] = field(default_factory=dict)
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (true, predicted, count)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["confusions"] = [list(c) for c in self.confusions]
        return data


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(
    truths: Sequence[str], predictions: Sequence[str | None], languages: Sequence[str] | None = None
) -> Evaluation:
    """Score ``predictions`` (None = abstained) against ``truths``; ``languages`` adds a per-language table."""
    n = len(truths)
    if n == 0:
        return Evaluation(0, 0.0, 0.0, 0.0, 0.0)
    predicted = [p if p else NONE for p in predictions]
    categories = sorted(set(truths))
    tp = Counter()
    fp = Counter()
    fn = Counter()
    confusions = Counter()
    for t, p in zip(truths, predicted, strict=True):
        if t == p:
            tp[t] += 1
        else:
            fn[t] += 1
            if p != NONE:
                fp[p] += 1
            confusions[(t, p)] += 1
    per_category = {}
    for c in categories:
        precision = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        recall = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        per_category[c] = Scores(round(precision, 4), round(recall, 4), round(_f1(precision, recall), 4), tp[c] + fn[c])
    suggested = [(t, p) for t, p in zip(truths, predicted, strict=True) if p != NONE]
    per_language: dict[str, dict[str, float]] = {}
    if languages is not None:
        by_lang: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for t, p, lang in zip(truths, predicted, languages, strict=True):
            by_lang[lang or "?"].append((t, p))
        for lang, pairs in sorted(by_lang.items()):
            answered = [1 for t, p in pairs if p != NONE]
            per_language[lang] = {
                "count": len(pairs),
                "accuracy": round(sum(t == p for t, p in pairs) / len(pairs), 4),
                "coverage": round(len(answered) / len(pairs), 4),
            }
    return Evaluation(
        count=n,
        accuracy=round(sum(tp.values()) / n, 4),
        macro_f1=round(sum(s.f1 for s in per_category.values()) / len(per_category), 4),
        coverage=round(len(suggested) / n, 4),
        accuracy_when_suggested=round(sum(t == p for t, p in suggested) / len(suggested), 4) if suggested else 0.0,
        per_category=per_category,
        per_language=per_language,
        confusions=[(t, p, k) for (t, p), k in confusions.most_common(10)],
    )


def detection_scores(truths: Sequence[Sequence[str]], found: Sequence[Sequence[str]]) -> dict[str, float]:
    """Message-level precision and recall of a detector (risk signals, private data).

    A message counts as a true positive when it has a signal and the detector found one; recall
    is over messages with a signal, precision over messages the detector flagged.
    """
    has = [bool(t) for t in truths]
    flagged = [bool(f) for f in found]
    tp = sum(h and f for h, f in zip(has, flagged, strict=True))
    positives = sum(has)
    predicted = sum(flagged)
    clean = len(has) - positives
    false_alarms = sum(f and not h for h, f in zip(has, flagged, strict=True))
    return {
        "messages": len(has),
        "with_signal": positives,
        "recall": round(tp / positives, 4) if positives else 1.0,
        "precision": round(tp / predicted, 4) if predicted else 1.0,
        "clean_not_flagged": round(1 - false_alarms / clean, 4) if clean else 1.0,
    }


def kind_scores(truths: Sequence[Sequence[str]], found: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    """Per-kind recall and precision (a kind found in a message that names it is a hit)."""
    kinds = sorted({k for t in truths for k in t} | {k for f in found for k in f})
    out = {}
    for kind in kinds:
        tp = sum(kind in t and kind in f for t, f in zip(truths, found, strict=True))
        pos = sum(kind in t for t in truths)
        pred = sum(kind in f for f in found)
        out[kind] = {
            "support": pos,
            "recall": round(tp / pos, 4) if pos else 1.0,
            "precision": round(tp / pred, 4) if pred else 1.0,
        }
    return out
