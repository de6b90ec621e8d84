"""Training and judging category models (no database: callers bring the examples).

The same two functions train the shipped model from the corpus (``crm_twitter_train_classifier``)
and retrain a desk's model from its agents' labels (``services.categorisation``), so both are
judged by the same figures.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from crm_twitter.classify.backends import CategoryBackend
from crm_twitter.classify.corpus import Example
from crm_twitter.classify.evaluation import Evaluation, evaluate
from crm_twitter.classify.model_store import TrainedModel


def backend_class(path: str | None = None) -> type[CategoryBackend]:
    from django.utils.module_loading import import_string

    from crm_twitter.conf import app_settings

    cls = import_string(path or app_settings.CATEGORY_CLASSIFIER_BACKEND)
    if not (isinstance(cls, type) and issubclass(cls, CategoryBackend)):
        raise TypeError(f"{path or app_settings.CATEGORY_CLASSIFIER_BACKEND} is not a CategoryBackend subclass")
    return cls


@dataclass
class Trained:
    backend: CategoryBackend
    seconds: float
    examples: int


def model_train(examples: Sequence[Example], *, backend: type[CategoryBackend] | None = None) -> Trained:
    """Fit a new model on ``examples`` (order-independent: they are sorted first, so a rerun on
    the same data gives the same model)."""
    rows = sorted((e.text, e.category) for e in examples if e.text and e.category)
    model = (backend or backend_class())()
    started = time.perf_counter()
    model.fit([t for t, _ in rows], [c for _, c in rows])
    return Trained(backend=model, seconds=round(time.perf_counter() - started, 2), examples=len(rows))


def model_evaluate(
    model: TrainedModel | CategoryBackend, examples: Sequence[Example], *, min_confidence: float
) -> Evaluation:
    """Score a model on ``examples`` with abstentions under ``min_confidence`` counted as misses."""
    trained = model if isinstance(model, TrainedModel) else TrainedModel(version="candidate", backend=model)
    suggestions = trained.suggest_many([e.text for e in examples], min_confidence=min_confidence)
    return evaluate([e.category for e in examples], [s.category for s in suggestions], [e.language for e in examples])
