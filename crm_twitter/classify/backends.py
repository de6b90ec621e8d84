"""The category classifier's interface, and the backend the app ships.

A backend turns texts into a probability per category slug. The desk only ever calls the
methods of ``CategoryBackend``, so a deployer can plug in a stronger model (sentence
embeddings, a fine-tuned transformer served in-process) with the setting
``CATEGORY_CLASSIFIER_BACKEND = "dotted.path.ToTheirClass"``; docs/classifier.md says what the
class must do. Trained models are stored as bytes (``dumps``/``loads``) so every web server and
worker loads the same version from the database.

``TfidfLogisticBackend`` — character n-grams (which work for Chinese, Japanese and Korean
without a word segmenter, and survive typos and missing accents), word n-grams with a negation
mark, and the lexicon's cross-language concept tokens (``lexicon.py``), fed to a logistic
regression trained by stochastic gradient descent (seconds for 50,000 labels) whose
probabilities are the confidence.
"""

from __future__ import annotations

import io
import pickle
import re
import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import pairwise
from typing import ClassVar

import numpy as np

from crm_twitter.classify.lexicon import concept_tokens
from crm_twitter.classify.text import for_classifier


class ModelFileError(Exception):
    """A stored model cannot be loaded (missing, truncated, written by another backend)."""


class CategoryBackend(ABC):
    """A trainable text → category model. Subclasses must be picklable once fitted."""

    #: Stored with every trained model; ``loads`` refuses bytes written by another backend.
    name: ClassVar[str] = ""

    @abstractmethod
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        """Learn from ``texts`` labelled with category slugs (deterministic for the same input)."""

    @property
    @abstractmethod
    def classes(self) -> list[str]:
        """The category slugs the model knows, in the column order of ``predict_proba``."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per class; rows sum to 1."""

    def dumps(self) -> bytes:
        """The fitted model as bytes: a zlib-compressed pickle (a third of the size)."""
        buffer = io.BytesIO()
        pickle.dump({"backend": self.name, "model": self}, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return zlib.compress(buffer.getvalue(), 6)

    @classmethod
    def loads(cls, data: bytes) -> CategoryBackend:
        """The model in ``data``, which the desk wrote itself (never load bytes from elsewhere:
        unpickling runs code). Integrity is checked by the caller against the stored SHA-256."""
        try:
            payload = pickle.loads(zlib.decompress(data))  # noqa: S301 — our own artefact, SHA-256 verified by the caller
        except Exception as exc:
            raise ModelFileError(f"cannot read the model: {exc.__class__.__name__}: {exc}") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("model"), CategoryBackend):
            raise ModelFileError("the file does not hold a crm_twitter category model")
        if cls is not CategoryBackend and payload.get("backend") != cls.name:
            raise ModelFileError(f"the model was written by backend {payload.get('backend')!r}, not {cls.name!r}")
        return payload["model"]


# --- The shipped backend ------------------------------------------------------------------------

# Negation cues of the Latin- and Cyrillic-script languages the desk serves: the words after one,
# up to the end of the clause, are marked ("not damaged" → "¬damaged"), so "the box is not
# damaged but the colour is wrong" does not read as a damage complaint. CJK negation sits inside
# the characters (没/不/未, ない/ません, 안/않) and the character n-grams see it.
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nor",
        "isn't",
        "wasn't",
        "aren't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "hasn't",
        "haven't",
        "hadn't",
        "won't",
        "can't",
        "cannot",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "isnt",
        "wasnt",
        "dont",
        "doesnt",
        "didnt",
        "hasnt",
        "havent",
        "wont",
        "cant",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "nie",
        "niemals",
        "pas",
        "ne",
        "jamais",
        "aucun",
        "aucune",
        "nunca",
        "nada",
        "ningún",
        "ninguna",
        "ningun",
        "tampoco",
        "não",
        "nao",
        "nem",
        "nenhum",
        "nenhuma",
        "не",
        "нет",
        "ни",
        "никогда",
        "لا",
        "لم",
        "لن",
        "ليس",
        "ما",
        "مش",
        "مو",
    ]
)
_CLAUSE_END = frozenset(
    [
        "but",
        "however",
        "although",
        "though",
        "yet",
        "aber",
        "doch",
        "sondern",
        "mais",
        "pero",
        "sino",
        "mas",
        "porém",
        "porem",
        "но",
        "а",
        "لكن",
        "بس",
    ]
)
_TOKEN = re.compile(r"[^\W\d_]+|[.!?;,:]", re.UNICODE)
_NEGATION_SCOPE = 4


def word_features(text: str) -> list[str]:
    """Words of the normalised text, with a negation mark on the few words after a cue."""
    words: list[str] = []
    scope = 0
    for token in _TOKEN.findall(for_classifier(text)):
        if len(token) == 1 and token in ".!?;,:":  # noqa: S105 — punctuation, not a secret
            scope = 0
            continue
        if token in _NEGATIONS:
            scope = _NEGATION_SCOPE
            words.append(token)
            continue
        if token in _CLAUSE_END:
            scope = 0
        if scope:
            words.append("¬" + token)
            scope -= 1
        else:
            words.append(token)
    return words


def word_ngrams(text: str) -> list[str]:
    """Words and word pairs, plus the lexicon's cross-language concept tokens (``⟨damage⟩``…)."""
    words = word_features(text)
    return words + [f"{a} {b}" for a, b in pairwise(words)] + concept_tokens(text)


class TfidfLogisticBackend(CategoryBackend):
    """Character (1–4) and word (1–2) TF-IDF + concept tokens → logistic regression (scikit-learn)."""

    name = "tfidf-logistic/1"

    #: Regularisation and n-gram range, chosen on the development split of the training corpus
    #: (``crm_twitter_train_classifier --dev``), never on the test split.
    alpha = 2e-5
    char_ngrams = (1, 4)
    max_char_features = 300_000

    def __init__(self) -> None:
        self._pipeline = None

    def _build(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import FeatureUnion, Pipeline

        return Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            (
                                "chars",
                                TfidfVectorizer(
                                    analyzer="char_wb",
                                    ngram_range=self.char_ngrams,
                                    preprocessor=for_classifier,
                                    min_df=2,
                                    sublinear_tf=True,
                                    max_features=self.max_char_features,
                                    dtype=np.float32,
                                ),
                            ),
                            (
                                "words",
                                TfidfVectorizer(analyzer=word_ngrams, min_df=1, sublinear_tf=True, dtype=np.float32),
                            ),
                        ]
                    ),
                ),
                (
                    "model",
                    SGDClassifier(
                        loss="log_loss",
                        alpha=self.alpha,
                        class_weight="balanced",
                        max_iter=50,
                        tol=1e-4,
                        random_state=0,  # the same corpus gives the same model
                    ),
                ),
            ]
        )

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        if len(set(labels)) < 2:
            raise ValueError("Training needs examples of at least two categories.")
        pipeline = self._build()
        pipeline.fit(list(texts), list(labels))
        self._pipeline = pipeline

    @property
    def classes(self) -> list[str]:
        if self._pipeline is None:
            return []
        return [str(c) for c in self._pipeline.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if self._pipeline is None:
            raise ModelFileError("the model has not been trained")
        if not texts:
            return np.zeros((0, len(self.classes)))
        return self._pipeline.predict_proba(list(texts))
