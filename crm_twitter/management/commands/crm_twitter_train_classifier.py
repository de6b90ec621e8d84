"""Train the category classifier: ``crm_twitter_train_classifier [--dev] [--output PATH] [--desk]``.

Default: train on the corpus' train split, judge on its test split, and write the model that
ships with the app (``crm_twitter/classify/shipped/``) with its figures beside it — the same
command on the same corpus gives the same model. ``--dev`` holds a development split out of
*train* and reports on it (for choosing settings without looking at the test split) and writes
nothing. ``--desk`` retrains the desk's own model from the corpus plus its agents' labels now,
promoting it only if it scores at least as well as the model in force.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.classify.corpus import corpus_fingerprint, corpus_load, is_dev
from crm_twitter.classify.model_store import SHIPPED_MODEL, model_file_write
from crm_twitter.classify.training import backend_class, model_evaluate, model_train
from crm_twitter.conf import app_settings


class Command(BaseCommand):
    help = "Train the complaint-category classifier from the corpus (or the desk's labels with --desk)."
    # The system check refuses to start without a usable model; this is the command that makes one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dev", action="store_true", help="Report on a development split of train; write nothing.")
        parser.add_argument("--output", type=Path, default=None, help=f"Model file (default {SHIPPED_MODEL}).")
        parser.add_argument("--desk", action="store_true", help="Retrain the desk's model from agents' labels now.")
        parser.add_argument(
            "--model-version",
            default=None,
            help="Version name of the shipped model (default: today's date, YYYY.MM.DD).",
        )

    def handle(self, *args, **options) -> None:
        if options["desk"]:
            self._desk()
            return
        train = corpus_load("train")
        if not train:
            raise CommandError("The corpus has no training examples (crm_twitter/classify/corpus/train/*.jsonl).")
        threshold = float(app_settings.CATEGORY_MIN_CONFIDENCE)
        backend = backend_class()
        if options["dev"]:
            fit = [e for e in train if not is_dev(e)]
            judge = [e for e in train if is_dev(e)]
            trained = model_train(fit, backend=backend)
            self._print("dev split of train", trained, judge, threshold)
            return
        test = corpus_load("test")
        trained = model_train(train, backend=backend)
        evaluation = self._print("test split", trained, test, threshold) if test else None
        path = options["output"] or SHIPPED_MODEL
        metadata = model_file_write(
            path,
            trained.backend,
            {
                "version": options["model_version"] or dt.date.today().strftime("%Y.%m.%d"),
                "trained_on": {"examples": trained.examples, "corpus_sha256": corpus_fingerprint(train)},
                "training_seconds": trained.seconds,
                "min_confidence": threshold,
                "evaluation": evaluation.as_dict() if evaluation else None,
            },
        )
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {path} ({metadata['bytes'] / 1e6:.1f} MB, {metadata['sha256'][:12]}…).")
        )

    def _print(self, title: str, trained, examples, threshold: float):
        ev = model_evaluate(trained.backend, examples, min_confidence=threshold)
        w = self.stdout.write
        w(f"Trained on {trained.examples:,} examples in {trained.seconds:.1f} s; judged on the {title} ({ev.count:,}).")
        w(
            f"macro-F1 {ev.macro_f1:.3f} · accuracy {ev.accuracy:.3f} · suggestion for {ev.coverage:.1%} "
            f"(accuracy when suggested {ev.accuracy_when_suggested:.3f}) at confidence ≥ {threshold}"
        )
        for lang, row in ev.per_language.items():
            w(f"  {lang:<4} accuracy {row['accuracy']:.3f}  coverage {row['coverage']:.3f}  n={row['count']}")
        for slug, s in ev.per_category.items():
            w(f"  {slug:<24} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}  n={s.support}")
        return ev

    def _desk(self) -> None:
        from crm_twitter.services.categorisation import category_models_retrain

        record = category_models_retrain(force=True)
        if record is None:  # pragma: no cover - force always trains
            raise CommandError("Nothing was trained.")
        self.stdout.write(f"{record.version} ({record.get_status_display()}): {record.note}")
