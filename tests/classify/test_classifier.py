"""The category classifier: the shipped model, abstention, negation, and the backend interface."""

from __future__ import annotations

import pytest

from crm_twitter.classify.backends import CategoryBackend, ModelFileError, TfidfLogisticBackend, word_features
from crm_twitter.classify.corpus import Example, corpus_load, is_dev
from crm_twitter.classify.evaluation import evaluate
from crm_twitter.classify.lexicon import concept_tokens
from crm_twitter.classify.model_store import TrainedModel, model_bytes_load, sha256_of
from crm_twitter.classify.training import model_evaluate, model_train
from crm_twitter.services.categorisation import shipped_model

TINY = [
    Example("my parcel never arrived", "not-received"),
    Example("the package was lost, never got it", "not-received"),
    Example("nothing arrived, tracking says delivered", "not-received"),
    Example("the mug arrived smashed", "damaged"),
    Example("box crushed and the lamp is broken", "damaged"),
    Example("screen cracked when I opened it", "damaged"),
]


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return shipped_model()


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("It's fake!! The logo is printed wrong, I want a refund", "counterfeit-quality"),
        ("The box is not damaged at all, but the colour is nothing like the photos", "not-as-described"),
        ("my parcel never arrived, order 40001234. I want a refund!", "not-received"),
        ("You charged my card twice for the same order", "payment-double-charge"),
        ("I was promised a refund two weeks ago and still nothing", "refund-delay"),
        ("Will I have to pay import duties if I order to Canada?", "other"),
        ("包裹显示已签收但我根本没收到", "not-received"),
        ("Посылка пришла, а внутри разбитая чашка", "damaged"),
        ("주문한 것과 다른 색상이 왔어요", "wrong-or-missing-item"),
    ],
)
def test_the_shipped_model_reads_hard_cases(model, text, slug):
    (suggestion,) = model.suggest_many([text], min_confidence=0.0)
    assert suggestion.category == slug


def test_negation_marks_the_words_after_it_in_its_clause():
    assert word_features("not damaged, but faded") == ["not", "¬damaged", "but", "faded"]
    assert concept_tokens("The box is not damaged, but the colour is nothing like the photos") == [
        "⟨¬damage⟩",
        "⟨mismatch⟩",
    ]
    assert concept_tokens("没坏，但是和图片不一样") == ["⟨mismatch⟩", "⟨mismatch⟩"]


def test_below_the_threshold_there_is_no_suggestion_but_the_best_guess_is_kept(model):
    (s,) = model.suggest_many(["hmm"], min_confidence=1.0)
    assert s.category is None and s.best is not None and 0 < s.confidence < 1


def test_only_allowed_categories_are_suggested(model):
    (s,) = model.suggest_many(["the mug arrived smashed"], min_confidence=0.0, allowed={"other", "warranty"})
    assert s.category in {"other", "warranty"}


@pytest.mark.parametrize("text", ["", None, "   ", "😡", "https://t.co/x", "@acme", "x" * 10_000 + "\ud800"])
def test_bad_input_gives_a_clear_null_or_a_suggestion_never_an_error(model, text):
    (s,) = model.suggest_many([text], min_confidence=0.3)
    assert s.category is None or isinstance(s.category, str)


def test_training_is_deterministic_and_the_bytes_round_trip():
    first = model_train(TINY, backend=TfidfLogisticBackend)
    second = model_train(list(reversed(TINY)), backend=TfidfLogisticBackend)
    data = first.backend.dumps()
    assert data == second.backend.dumps()
    loaded = model_bytes_load(data, expected_sha256=sha256_of(data), backend_class=TfidfLogisticBackend)
    assert loaded.classes == ["damaged", "not-received"]
    assert loaded.predict_proba(["the vase came broken"]).argmax() == 0


def test_corrupt_or_foreign_bytes_are_refused():
    data = model_train(TINY, backend=TfidfLogisticBackend).backend.dumps()
    with pytest.raises(ModelFileError, match="SHA-256"):
        model_bytes_load(data[:-10], expected_sha256=sha256_of(data), backend_class=TfidfLogisticBackend)
    with pytest.raises(ModelFileError, match="cannot read"):
        CategoryBackend.loads(b"not a model")

    class Other(TfidfLogisticBackend):
        name = "other/1"

    with pytest.raises(ModelFileError, match="written by backend"):
        Other.loads(data)


def test_a_backend_needs_two_categories():
    with pytest.raises(ValueError, match="two categories"):
        TfidfLogisticBackend().fit(["a", "b"], ["x", "x"])


def test_evaluation_counts_abstentions_as_misses():
    ev = evaluate(["a", "a", "b", "b"], ["a", None, "b", "a"], ["en", "en", "fr", "fr"])
    assert ev.accuracy == 0.5 and ev.coverage == 0.75
    assert ev.per_language["en"] == {"count": 2, "accuracy": 0.5, "coverage": 0.5}
    assert ("a", "—", 1) in ev.confusions and ("b", "a", 1) in ev.confusions


def test_the_corpus_has_every_category_and_language_and_its_test_split_is_apart():
    train, test = corpus_load("train"), corpus_load("test")
    assert {e.language for e in train} >= {"en", "zh", "es", "de", "fr", "ja", "pt", "ru", "ko", "ar"}
    assert len({e.category for e in train}) == 12 and {e.category for e in test} == {e.category for e in train}
    shared = {e.text for e in train} & {e.text for e in test}
    assert all(len(t) < 16 for t in shared), shared  # only greetings like "hello?" may coincide
    assert 0.1 < sum(is_dev(e) for e in train) / len(train) < 0.2


def test_the_shipped_model_scores_well_on_its_development_split():
    """A smoke check of the training pipeline on data it did not train on (not the README figures)."""
    train = corpus_load("train")
    trained = model_train([e for e in train if not is_dev(e)])
    ev = model_evaluate(trained.backend, [e for e in train if is_dev(e)], min_confidence=0.0)
    assert ev.macro_f1 > 0.75
