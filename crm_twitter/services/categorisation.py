"""Complaint categories: suggestions from the model in force, and learning from the agents.

The suggestion only fills ``Case.suggested_category`` (with its confidence and model version).
``Case.category`` — what the monthly report counts as confirmed — is set by a person through
``case_set_category``, and every such choice becomes a ``CategoryLabel``: the desk's own
training data. ``category_models_retrain`` (a scheduled task) trains a new version once enough
labels have arrived and promotes it only when it scores at least as well as the model in force
on the held-apart data (the corpus' test split plus the desk's held-apart labels), so a desk's
suggestions never get worse by themselves; an admin can roll back to any version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from crm_twitter.classify.backends import ModelFileError
from crm_twitter.classify.corpus import Example, corpus_load
from crm_twitter.classify.evaluation import Evaluation
from crm_twitter.classify.model_store import (
    REBUILD_HINT,
    SHIPPED_MODEL,
    TrainedModel,
    file_model,
    model_bytes_load,
    model_file_problem,
    sha256_of,
)
from crm_twitter.classify.training import backend_class, model_evaluate, model_train
from crm_twitter.conf import app_settings
from crm_twitter.models import (
    Case,
    CategoryLabel,
    CategoryModel,
    ComplaintCategory,
    Direction,
    DirectMessage,
    Tweet,
)
from crm_twitter.services.errors import CaseRuleError

logger = logging.getLogger(__name__)

LABEL_TEXT_CHARS = 1000  # the first customer messages of a case, as the classifier reads them
LABEL_TEXT_MESSAGES = 4


def categories_active() -> list[ComplaintCategory]:
    """Active categories in report order (one query; callers keep the list for a whole batch)."""
    return list(ComplaintCategory.objects.filter(is_active=True).order_by("sort_order", "name"))


# --- The model in force ---------------------------------------------------------------------------


def shipped_model_path():
    from pathlib import Path

    return Path(app_settings.CATEGORY_MODEL_PATH) if app_settings.CATEGORY_MODEL_PATH else SHIPPED_MODEL


def shipped_model() -> TrainedModel:
    """The model trained from the repository's corpus (raises ``ModelFileError`` when unusable)."""
    return file_model(shipped_model_path(), app_settings.CATEGORY_CLASSIFIER_BACKEND)


_loaded: dict[tuple[int, str], TrainedModel] = {}


def _record_model(pk: int, number: int, sha: str, backend_path: str) -> TrainedModel:
    key = (pk, sha)
    if key not in _loaded:
        data = bytes(CategoryModel.objects.filter(pk=pk).values_list("artifact", flat=True).get())
        backend = model_bytes_load(data, expected_sha256=sha, backend_class=backend_class(backend_path))
        _loaded.clear()  # one desk model in memory at a time
        _loaded[key] = TrainedModel(version=f"desk-{number}", backend=backend, record_id=pk)
    return _loaded[key]


def model_in_force() -> TrainedModel:
    """The active desk-trained version, else the shipped model (one small query per call)."""
    row = (
        CategoryModel.objects.filter(status=CategoryModel.Status.ACTIVE)
        .values_list("pk", "number", "sha256", "backend")
        .first()
    )
    if row is None:
        return shipped_model()
    try:
        return _record_model(*row)
    except (ModelFileError, ImportError, TypeError) as exc:  # a bad record must not stop ingest
        logger.error("Category model desk-%s cannot be loaded (%s); using the shipped model.", row[1], exc)
        return shipped_model()


# --- Suggesting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySuggestion:
    category: ComplaintCategory | None
    confidence: float | None
    model: str

    @property
    def category_id(self) -> int | None:
        return self.category.pk if self.category else None


class CategorySuggester:
    """Suggestions for a batch of texts from one model and one list of categories."""

    def __init__(self, categories: Sequence[ComplaintCategory], model: TrainedModel | None = None) -> None:
        self.by_slug = {c.slug: c for c in categories}
        self.model = model or model_in_force()
        self.min_confidence = float(app_settings.CATEGORY_MIN_CONFIDENCE)

    def many(self, texts: Sequence[str | None]) -> list[CategorySuggestion]:
        found = self.model.suggest_many(texts, min_confidence=self.min_confidence, allowed=self.by_slug.keys())
        return [
            CategorySuggestion(
                self.by_slug.get(s.category) if s.category else None,
                s.confidence if s.best else None,
                self.model.version,
            )
            for s in found
        ]

    def __call__(self, text: str | None) -> CategorySuggestion:
        return self.many([text])[0]


def category_suggester(categories: Sequence[ComplaintCategory] | None = None) -> CategorySuggester:
    return CategorySuggester(categories_active() if categories is None else categories)


def category_suggest(text: str, *, categories: Sequence[ComplaintCategory] | None = None) -> ComplaintCategory | None:
    """The suggested category for one text, or None below the confidence threshold."""
    return category_suggester(categories)(text).category


def suggestion_improves(case: Case, suggestion: CategorySuggestion) -> bool:
    """Whether a later message's suggestion should replace the case's (never on a confirmed case).

    The first message is often "@brand hello?" or a photo; the message that says what happened
    is more confident, so the most confident suggestion of the customer's messages stands.
    """
    if case.category_confirmed or suggestion.category is None:
        return False
    if case.suggested_category_id is None or case.suggested_confidence is None:
        return True
    return suggestion.confidence is not None and suggestion.confidence > case.suggested_confidence


# --- What the customer wrote ----------------------------------------------------------------------


def case_texts(case_ids: Iterable[int]) -> dict[int, str]:
    """The first few customer messages of each case (tweets and DMs), joined: what labels and
    re-suggestions are computed from. Two queries for any number of cases."""
    ids = list(set(case_ids))
    parts: dict[int, list[tuple]] = {pk: [] for pk in ids}
    if not ids:
        return {}
    for model in (Tweet, DirectMessage):
        rows = (
            model.objects.filter(case_id__in=ids, direction=Direction.INBOUND)
            .exclude(text="")
            .order_by("case_id", "created_at")
            .values_list("case_id", "created_at", "text")
        )
        for case_id, created_at, text in rows.iterator(chunk_size=2000):
            if len(parts[case_id]) < LABEL_TEXT_MESSAGES * 2:
                parts[case_id].append((created_at, text))
    out = {}
    for pk, rows in parts.items():
        rows.sort(key=lambda r: r[0])
        out[pk] = "\n".join(t for _, t in rows[:LABEL_TEXT_MESSAGES])[:LABEL_TEXT_CHARS]
    return out


# --- Confirming ------------------------------------------------------------------------------------


def category_validate(category: ComplaintCategory | None) -> ComplaintCategory:
    if category is None or not isinstance(category, ComplaintCategory):
        raise CaseRuleError("Choose a complaint category.", field="category", code="category_required")
    if not category.is_active:
        raise CaseRuleError(f"The category {category} is no longer in use.", field="category", code="inactive_category")
    return category


def category_confirm(case: Case, category: ComplaintCategory) -> dict | None:
    """Confirm ``category`` on a locked case, in memory: the event data, or None if nothing changes.

    The one place that decides what confirming means (setting a category by hand and resolving
    with one both go through it); the caller saves the case, logs the event and records the label.
    """
    category_validate(category)
    if case.category_id == category.pk and case.category_confirmed:
        return None
    old = case.category_id
    case.category, case.category_confirmed = category, True
    return {
        "from": old,
        "to": category.pk,
        "slug": category.slug,
        "suggested": case.suggested_category_id,
        "accepted_suggestion": case.suggested_category_id == category.pk,
        "suggested_confidence": case.suggested_confidence,
        "suggestion_model": case.suggestion_model,
    }


# --- Learning from the agents ---------------------------------------------------------------------


def _is_holdout(case_id: int) -> bool:
    every = max(int(app_settings.CATEGORY_HOLDOUT_EVERY), 2)
    return (case_id * 2654435761) % 2**32 % every == 0  # spread evenly, stable per case


def category_label_record(*, case: Case, category: ComplaintCategory, actor) -> CategoryLabel | None:
    """Keep an agent's category choice as a training example (the last choice per case wins)."""
    text = case_texts([case.pk]).get(case.pk, "")
    if not text.strip():
        return None  # a case opened by hand with no customer text teaches nothing
    label, _ = CategoryLabel.objects.update_or_create(
        case=case,
        defaults={
            "category": category,
            "text": text,
            "language": case.language or "",
            "labelled_by": actor if getattr(actor, "pk", None) else None,
            "agreed_with_suggestion": case.suggested_category_id == category.pk,
            "holdout": _is_holdout(case.pk),
        },
    )
    return label


def _desk_examples(*, holdout: bool, through: int | None = None) -> list[Example]:
    labels = CategoryLabel.objects.filter(holdout=holdout, category__is_active=True)
    if through is not None:
        labels = labels.filter(pk__lte=through)
    return [
        Example(text=text, category=slug, language=lang, source="desk")
        for text, slug, lang in labels.values_list("text", "category__slug", "language").iterator(chunk_size=5000)
    ]


def _keyword_examples() -> list[Example]:
    """The admins' keywords of each active category, as short training examples: how a category
    added in the admin gets its first words into the model before agents have labelled it."""
    return [
        Example(text=word.strip(), category=slug, source="keywords")
        for slug, words in ComplaintCategory.objects.filter(is_active=True).values_list("slug", "keywords")
        for word in (words or [])
        if isinstance(word, str) and word.strip()
    ]


def heldout_examples() -> list[Example]:
    """What every candidate is judged on: the corpus' test split and the desk's held-apart labels."""
    return corpus_load("test") + _desk_examples(holdout=True)


def retrain_due() -> tuple[bool, int]:
    """Whether enough new labels arrived since the model in force was trained, and how many."""
    last = CategoryModel.objects.aggregate(m=Max("labels_through"))["m"] or 0
    new = CategoryLabel.objects.filter(pk__gt=last, holdout=False).count()
    return new >= int(app_settings.CATEGORY_RETRAIN_MIN_NEW_LABELS), new


def _scores(evaluation: Evaluation) -> dict:
    return evaluation.as_dict()


def category_models_retrain(*, force: bool = False) -> CategoryModel | None:
    """Train a new version from the corpus plus the desk's labels; promote it when not worse.

    Returns the new record (active or rejected), or None when too few new labels arrived.
    """
    due, _new = retrain_due()
    if not (due or force):
        return None
    through = CategoryLabel.objects.aggregate(m=Max("pk"))["m"] or 0
    desk = _desk_examples(holdout=False, through=through)
    examples = corpus_load("train") + desk + _keyword_examples()
    trained = model_train(examples)
    heldout = heldout_examples()
    threshold = float(app_settings.CATEGORY_MIN_CONFIDENCE)
    candidate = model_evaluate(trained.backend, heldout, min_confidence=threshold)
    try:
        current = model_in_force()
        baseline = model_evaluate(current, heldout, min_confidence=threshold)
        baseline_version = current.version
    except ModelFileError:
        baseline, baseline_version = None, ""
    promote = baseline is None or candidate.macro_f1 >= baseline.macro_f1
    data = trained.backend.dumps()
    now = timezone.now()
    with transaction.atomic():
        number = (CategoryModel.objects.select_for_update().aggregate(m=Max("number"))["m"] or 0) + 1
        if promote:
            CategoryModel.objects.filter(status=CategoryModel.Status.ACTIVE).update(status=CategoryModel.Status.RETIRED)
        record = CategoryModel.objects.create(
            number=number,
            backend=app_settings.CATEGORY_CLASSIFIER_BACKEND,
            status=CategoryModel.Status.ACTIVE if promote else CategoryModel.Status.REJECTED,
            artifact=data,
            sha256=sha256_of(data),
            trained_at=now,
            training_seconds=trained.seconds,
            examples=trained.examples,
            desk_labels=len(desk),
            labels_through=through,
            evaluation=_scores(candidate),
            baseline={"version": baseline_version, **(_scores(baseline) if baseline else {})},
            promoted_at=now if promote else None,
            note=(
                f"Promoted: macro-F1 {candidate.macro_f1:.3f} ≥ {baseline.macro_f1:.3f} ({baseline_version})"
                if promote and baseline
                else f"Kept {baseline_version}: macro-F1 {candidate.macro_f1:.3f} < {baseline.macro_f1:.3f}"
                if baseline
                else "Promoted: no usable model was in force"
            )[:300],
        )
    logger.info("Category model %s trained on %d examples: %s", record.version, trained.examples, record.note)
    if promote:
        transaction.on_commit(cases_mark_for_resuggestion)
    return record


def category_model_activate(*, record: CategoryModel | None) -> TrainedModel:
    """Put ``record`` in force (a rollback), or the shipped model when ``record`` is None."""
    with transaction.atomic():
        CategoryModel.objects.filter(status=CategoryModel.Status.ACTIVE).update(status=CategoryModel.Status.RETIRED)
        if record is not None:
            record.status = CategoryModel.Status.ACTIVE
            record.promoted_at = timezone.now()
            record.save(update_fields=["status", "promoted_at"])
        transaction.on_commit(cases_mark_for_resuggestion)
    return model_in_force()


def cases_suggest(case_ids: Iterable[int], *, suggester: CategorySuggester | None = None) -> int:
    """Suggest a category for each of these cases no agent has confirmed, from the first messages
    the customer wrote (what labels are made of too). Confirmed categories are never touched;
    returns how many cases changed. Does not bump ``Case.version``: a suggestion is no news that
    should make an agent's open form stale."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    suggester = suggester or category_suggester()
    texts = case_texts(ids)
    order = ids  # a case with no customer text yet gets "no suggestion" from this model, not a retry
    suggestions = suggester.many([texts.get(pk, "") for pk in order])
    with transaction.atomic():
        current = {
            pk: (cat, conf, model)
            for pk, cat, conf, model in Case.objects.select_for_update()
            .filter(pk__in=order, category_confirmed=False)
            .values_list("pk", "suggested_category_id", "suggested_confidence", "suggestion_model")
        }
        # ``updated_at`` moves too: the rollup fold finds changed cases by it (a suggestion counts
        # in the report's "how categories were set"), and the inbox row shows the suggestion.
        now = timezone.now()
        updates = [
            Case(
                pk=pk,
                suggested_category_id=s.category_id,
                suggested_confidence=s.confidence,
                suggestion_model=s.model,
                updated_at=now,
            )
            for pk, s in zip(order, suggestions, strict=True)
            if pk in current and current[pk] != (s.category_id, s.confidence, s.model)
        ]
        Case.objects.bulk_update(
            updates,
            ["suggested_category_id", "suggested_confidence", "suggestion_model", "updated_at"],
            batch_size=500,
        )
    return len(updates)


def cases_suggest_after_ingest(case_ids: Iterable[int]) -> None:
    """Suggestions for the cases a page of inbound messages opened or added to.

    Reading a message for its category costs about as much CPU as storing it. With
    ``CATEGORY_SUGGEST_IN_BACKGROUND`` (the default) ingest only leaves these cases marked as
    waiting for a suggestion (``suggestion_model`` empty) and the sync and webhook tasks read
    them once their pages are committed (``cases_suggest_pending``, also every minute), so
    ingest transactions stay short and nothing is lost if a worker dies. Otherwise the
    suggestion is made at once, inside the page's transaction.
    """
    if not app_settings.CATEGORY_SUGGEST_IN_BACKGROUND:
        cases_suggest(case_ids)


def cases_suggest_pending(*, chunk: int = 500, limit: int = 50_000) -> int:
    """Suggest for every unconfirmed case waiting for one; returns how many were read."""
    suggester = None
    done = 0
    last = 0
    while done < limit:
        ids = list(
            Case.objects.filter(category_confirmed=False, suggestion_model="", merged_into__isnull=True, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            break
        suggester = suggester or category_suggester()
        last = ids[-1]
        cases_suggest(ids, suggester=suggester)
        done += len(ids)
    return done


def cases_mark_for_resuggestion() -> int:
    """After a change of model: every case no agent confirmed waits for a new reading, which the
    pending sweep makes in the background (one UPDATE here, not a web request reading every case)."""
    return Case.objects.filter(category_confirmed=False).exclude(suggestion_model="").update(suggestion_model="")


def cases_resuggest(*, chunk: int = 500) -> int:
    """Suggest again, with the model in force, for every case no agent has confirmed.

    Confirmed categories are never touched. Returns how many cases changed.
    """
    suggester = category_suggester()
    changed = 0
    last = 0
    while True:
        ids = list(
            Case.objects.filter(category_confirmed=False, merged_into__isnull=True, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return changed
        last = ids[-1]
        changed += cases_suggest(ids, suggester=suggester)


def model_problem() -> str | None:
    """Why the shipped (or configured) model cannot be used, for the system check (None when it can)."""
    path = shipped_model_path()
    problem = model_file_problem(path, backend_class(app_settings.CATEGORY_CLASSIFIER_BACKEND))
    if problem:
        return f"The category model {path} cannot be used: {problem}. {REBUILD_HINT}"
    return None
