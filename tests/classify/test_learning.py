"""The desk learns from its agents: labels, retraining, promotion only when not worse, rollback."""

from __future__ import annotations

import shutil

import pytest
from django.urls import reverse

from crm_twitter.checks import check_settings
from crm_twitter.classify.corpus import Example
from crm_twitter.classify.evaluation import Evaluation
from crm_twitter.models import CategoryLabel, CategoryModel, ComplaintCategory, Direction
from crm_twitter.services import categorisation
from crm_twitter.services.case_edits import case_set_category
from crm_twitter.services.categorisation import (
    cases_resuggest,
    category_model_activate,
    category_models_retrain,
    model_in_force,
    retrain_due,
)
from tests.factories import CaseFactory, TweetFactory, UserFactory

pytestmark = pytest.mark.django_db

SMALL = [
    Example("my parcel never arrived", "not-received", "en"),
    Example("package lost, tracking says delivered but nothing here", "not-received", "en"),
    Example("没收到货，显示已签收", "not-received", "zh"),
    Example("the mug arrived smashed", "damaged", "en"),
    Example("box crushed, lamp broken on arrival", "damaged", "en"),
    Example("杯子到的时候就碎了", "damaged", "zh"),
    Example("do you ship to Canada?", "other", "en"),
    Example("thanks for the quick help!", "other", "en"),
]


@pytest.fixture
def small_corpus(monkeypatch):
    """Train and judge on a handful of examples so each retrain takes a fraction of a second."""
    monkeypatch.setattr(categorisation, "corpus_load", lambda split: list(SMALL))


def _case_with_text(text: str, **kwargs):
    case = CaseFactory(**kwargs)
    TweetFactory(case=case, text=text, direction=Direction.INBOUND, brand_account=case.brand_account)
    return case


def _label(text: str, slug: str, agent=None):
    case = _case_with_text(text)
    return case_set_category(case=case, actor=agent or UserFactory(), category=ComplaintCategory.objects.get(slug=slug))


def test_an_agents_choice_becomes_a_label_with_what_the_customer_wrote():
    damaged = ComplaintCategory.objects.get(slug="damaged")
    case = _case_with_text("@acme the vase came in pieces", suggested_category=damaged, language="en")
    agent = UserFactory()
    case_set_category(case=case, actor=agent, category=damaged)
    label = CategoryLabel.objects.get(case=case)
    assert label.text == "@acme the vase came in pieces" and label.category == damaged
    assert label.labelled_by == agent and label.agreed_with_suggestion and label.language == "en"
    # Changing the category later replaces the label: one example per case, the last choice wins.
    case_set_category(case=case, actor=agent, category=ComplaintCategory.objects.get(slug="warranty"))
    assert CategoryLabel.objects.get(case=case).category.slug == "warranty"
    assert not CategoryLabel.objects.get(case=case).agreed_with_suggestion


def test_retraining_waits_for_enough_new_labels(settings, small_corpus):
    settings.CRM_TWITTER = {"CATEGORY_RETRAIN_MIN_NEW_LABELS": 3, "CATEGORY_HOLDOUT_EVERY": 1000}
    _label("the plate arrived cracked", "damaged")
    _label("parcel never came", "not-received")
    assert retrain_due() == (False, 2)
    assert category_models_retrain() is None
    _label("the glass was shattered in the box", "damaged")
    assert retrain_due() == (True, 3)
    record = category_models_retrain()
    keywords = sum(len(c.keywords) for c in ComplaintCategory.objects.filter(is_active=True))
    assert record is not None and record.desk_labels == 3 and record.examples == len(SMALL) + 3 + keywords
    assert retrain_due() == (False, 0)  # these labels are used up


def _scores(macro_f1: float) -> Evaluation:
    return Evaluation(count=10, accuracy=macro_f1, macro_f1=macro_f1, coverage=1.0, accuracy_when_suggested=macro_f1)


def test_a_new_model_is_promoted_only_when_it_scores_at_least_as_well(monkeypatch, small_corpus):
    scores = iter([_scores(0.80), _scores(0.85)])  # candidate, then the model in force
    monkeypatch.setattr(categorisation, "model_evaluate", lambda *a, **k: next(scores))
    worse = category_models_retrain(force=True)
    assert worse.status == CategoryModel.Status.REJECTED and "Kept shipped-" in worse.note
    assert model_in_force().version.startswith("shipped-")

    scores = iter([_scores(0.85), _scores(0.85)])
    equal = category_models_retrain(force=True)
    assert equal.status == CategoryModel.Status.ACTIVE and equal.evaluation["macro_f1"] == 0.85
    assert equal.baseline["version"].startswith("shipped-")
    assert model_in_force().version == equal.version == "desk-2"


def test_an_admin_can_roll_back_to_any_version_or_to_the_shipped_model(
    small_corpus, django_capture_on_commit_callbacks
):
    unconfirmed = _case_with_text("the glass arrived shattered", suggestion_model="shipped-old")
    confirmed = _case_with_text("x", category_confirmed=True, suggestion_model="shipped-old")
    with django_capture_on_commit_callbacks(execute=True):
        first = category_models_retrain(force=True)
    unconfirmed.refresh_from_db()
    confirmed.refresh_from_db()
    assert unconfirmed.suggestion_model == "" and confirmed.suggestion_model == "shipped-old"  # re-read later
    category_model_activate(record=None)
    assert model_in_force().version.startswith("shipped-")
    category_model_activate(record=first)
    assert model_in_force().version == first.version
    assert CategoryModel.objects.filter(status=CategoryModel.Status.ACTIVE).count() == 1


def test_resuggesting_after_a_model_change_never_touches_a_confirmed_category():
    damaged = ComplaintCategory.objects.get(slug="damaged")
    other = ComplaintCategory.objects.get(slug="other")
    confirmed = _case_with_text(
        "the glass arrived shattered", category=other, category_confirmed=True, suggested_category=other
    )
    unconfirmed = _case_with_text("the glass arrived shattered", suggested_category=other, suggested_confidence=0.3)
    assert cases_resuggest() >= 1
    confirmed.refresh_from_db()
    unconfirmed.refresh_from_db()
    assert (confirmed.category, confirmed.suggested_category, confirmed.suggested_confidence) == (other, other, None)
    assert unconfirmed.suggested_category == damaged and unconfirmed.suggestion_model.startswith("shipped-")


def test_the_admin_shows_versions_with_their_figures_and_rolls_back(client, small_corpus):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    record = category_models_retrain(force=True)
    listing = client.get(reverse("admin:crm_twitter_categorymodel_changelist"))
    assert listing.status_code == 200 and record.version.encode() in listing.content
    detail = client.get(reverse("admin:crm_twitter_categorymodel_change", args=[record.pk]))
    assert b"Figures on the held-apart data" in detail.content
    client.post(
        reverse("admin:crm_twitter_categorymodel_changelist"),
        {"action": "back_to_shipped", "_selected_action": [record.pk]},
    )
    assert model_in_force().version.startswith("shipped-")


def test_a_missing_or_corrupt_model_file_stops_start_up_with_how_to_rebuild(settings, tmp_path):
    missing = tmp_path / "model.pickle"
    settings.CRM_TWITTER = {"CATEGORY_MODEL_PATH": str(missing)}
    errors = [e for e in check_settings() if e.id == "crm_twitter.E024"]
    assert errors and "crm_twitter_train_classifier" in errors[0].msg

    shipped = categorisation.SHIPPED_MODEL
    shutil.copy(shipped, missing)
    shutil.copy(shipped.with_suffix(".json"), missing.with_suffix(".json"))
    assert not [e for e in check_settings() if e.id == "crm_twitter.E024"]
    with missing.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"garbage")
    errors = [e for e in check_settings() if e.id == "crm_twitter.E024"]
    assert errors and "SHA-256" in errors[0].msg


def test_a_model_trained_with_another_scikit_learn_stops_start_up(settings, tmp_path):
    import json

    target = tmp_path / "model.pickle"
    shipped = categorisation.SHIPPED_MODEL
    shutil.copy(shipped, target)
    metadata = json.loads(shipped.with_suffix(".json").read_text())
    metadata["libraries"]["scikit-learn"] = "0.24.2"
    target.with_suffix(".json").write_text(json.dumps(metadata))
    settings.CRM_TWITTER = {"CATEGORY_MODEL_PATH": str(target)}
    errors = [e for e in check_settings() if e.id == "crm_twitter.E024"]
    assert errors and "scikit-learn 0.24.2" in errors[0].msg
