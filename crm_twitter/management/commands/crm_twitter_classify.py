"""Read messages in bulk: ``crm_twitter_classify --input IN.jsonl --output OUT.jsonl``.

Input lines: ``{"id": …, "text": "…", "channel": "tweet"|"dm", "lang": "…"}`` (channel and
lang optional). Output: one line per input line, same order, ``{"id", "language", "category",
"confidence", "risk_signals": [{"kind", "text"}], "private_data": [{"kind", "start", "end"}]}``.
It streams (batches of ``--batch`` lines, constant memory). A line that is not a JSON object
with a text gets ``{"id": …, "line": N, "error": "…"}`` in the output and the same message on
stderr; the other lines are still read. Invalid UTF-8 bytes are replaced, not fatal.

``--evaluate LABELED.jsonl`` instead scores the desk on labelled lines (``category`` and
optionally ``lang``, ``risk`` (kinds) and ``pii`` (kinds)): precision, recall and F1 per
category, accuracy per language, the main confusions, language accuracy, and message-level
recall and precision of risk signals and private data.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from crm_twitter.classify.evaluation import detection_scores, evaluate, kind_scores
from crm_twitter.models import ComplaintCategory
from crm_twitter.services.categorisation import CategorySuggester, category_suggester, shipped_model
from crm_twitter.services.message_reading import MessageToRead, messages_read


def _lines(handle) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(handle, 1):
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if number == 1:
            text = text.removeprefix("\ufeff")
        if text.strip():
            yield number, text


def _parse(number: int, line: str) -> tuple[object, MessageToRead | None, str | None, dict]:
    """(id, message, error, row) for one input line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})", {}
    if not isinstance(row, dict):
        return None, None, f"line {number}: expected a JSON object, got {type(row).__name__}", {}
    ident = row.get("id")
    text = row.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        return ident, None, f'line {number}: "text" must be a string', row
    lang = row.get("lang") or ""
    channel = row.get("channel") or ""
    if not isinstance(lang, str) or not isinstance(channel, str):
        return ident, None, f'line {number}: "lang" and "channel" must be strings', row
    if channel and channel not in {"tweet", "dm"}:
        return ident, None, f'line {number}: "channel" must be "tweet" or "dm"', row
    return ident, MessageToRead(text=text, language=lang, channel=channel), None, row


class Progress:
    """Lines read and rate on stderr, redrawn at most ten times a second (only on a terminal)."""

    def __init__(self, stream, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.started = self.last = time.monotonic()

    def update(self, done: int, errors: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(f"\r{done:,} lines  {rate:,.0f} lines/s  {errors:,} errors", ending="")
        self.stream.flush()


def _suggester(stderr) -> CategorySuggester:
    """The desk's categories and model in force; without a database (not migrated yet), every
    category of the shipped model — so the command also works on a fresh checkout."""
    try:
        return category_suggester()
    except DatabaseError:
        stderr.write("No database tables (run migrate): using the shipped model and all its categories.")
        model = shipped_model()
        return CategorySuggester([ComplaintCategory(slug=c, name=c) for c in model.backend.classes], model=model)


class Command(BaseCommand):
    help = "Read messages from JSON Lines: language, category, risk signals and private data (or --evaluate)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", help="JSON Lines file to read ('-' for standard input).")
        parser.add_argument("--output", help="Where to write the results ('-' or absent: standard output).")
        parser.add_argument("--evaluate", metavar="LABELED.jsonl", help="Score the desk on labelled lines instead.")
        parser.add_argument("--batch", type=int, default=512, help="Lines read per batch (default 512).")

    def handle(self, *args, **options) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        if options["evaluate"]:
            self._evaluate(Path(options["evaluate"]), options["batch"])
            return
        if not options["input"]:
            raise CommandError("Give --input IN.jsonl (or --evaluate LABELED.jsonl).")
        with ExitStack() as stack:
            source = (
                sys.stdin.buffer
                if options["input"] == "-"
                else stack.enter_context(self._open(Path(options["input"]), "rb"))
            )
            out = (
                self.stdout
                if options["output"] in (None, "-")
                else stack.enter_context(self._open(Path(options["output"]), "w"))
            )
            progress = Progress(self.stderr, enabled=options["output"] not in (None, "-") and self.stderr.isatty())
            done = errors = 0
            suggester = _suggester(self.stderr)
            batch: list[tuple[int, object, MessageToRead | None, str | None]] = []

            def flush() -> None:
                nonlocal errors
                readings = iter(messages_read([m for _, _, m, _ in batch if m is not None], suggester=suggester))
                for number, ident, _message, error in batch:
                    if error is not None:
                        errors += 1
                        self.stderr.write(error)
                        row = {"id": ident, "line": number, "error": error}
                    else:
                        row = {"id": ident, **next(readings).as_dict()}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                batch.clear()

            for number, line in _lines(source):
                ident, message, error, _ = _parse(number, line)
                batch.append((number, ident, message, error))
                done += 1
                if len(batch) >= options["batch"]:
                    flush()
                    progress.update(done, errors)
            flush()
            progress.update(done, errors, force=True)
            if progress.enabled:
                self.stderr.write("")
        summary = f"{done:,} lines read, {errors:,} with errors."
        self.stderr.write(summary)

    def _open(self, path: Path, mode: str):
        try:
            return path.open(mode) if "b" in mode else path.open(mode, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot open {path}: {exc.strerror or exc}") from exc

    def _evaluate(self, path: Path, batch_size: int) -> None:
        truths, predictions, langs, detected = [], [], [], []
        risk_truth, risk_found, pii_truth, pii_found = [], [], [], []
        errors = 0
        suggester = _suggester(self.stderr)
        with self._open(path, "rb") as handle:
            pending: list[tuple[dict, MessageToRead]] = []

            def flush() -> None:
                readings = messages_read([m for _, m in pending], suggester=suggester)
                for (row, _), reading in zip(pending, readings, strict=True):
                    truths.append(str(row.get("category") or ""))
                    predictions.append(reading.category)
                    langs.append(str(row.get("lang") or ""))
                    detected.append(reading.language)
                    if "risk" in row:
                        risk_truth.append(list(row.get("risk") or []))
                        risk_found.append(sorted({r.kind for r in reading.risk_signals}))
                    if "pii" in row:
                        pii_truth.append(list(row.get("pii") or []))
                        pii_found.append(sorted({p.kind for p in reading.private_data}))
                pending.clear()

            for number, line in _lines(handle):
                _, message, error, row = _parse(number, line)
                if error or message is None or not row.get("category"):
                    errors += 1
                    self.stderr.write(error or f'line {number}: no "category" label')
                    continue
                # Judge the language as X would give it: the labelled language is not passed in.
                pending.append((row, MessageToRead(text=message.text, channel=message.channel)))
                if len(pending) >= batch_size:
                    flush()
            flush()
        if not truths:
            raise CommandError(f"{path} has no labelled lines.")
        self._report(evaluate(truths, predictions, langs), truths, langs, detected)
        if risk_truth:
            self._detector("Risk signals", risk_truth, risk_found)
        if pii_truth:
            self._detector("Private data", pii_truth, pii_found)
        if errors:
            self.stderr.write(f"{errors:,} lines skipped (see above).")

    def _report(self, ev, truths, langs, detected) -> None:
        w = self.stdout.write
        w(
            f"Category: {ev.count} messages · macro-F1 {ev.macro_f1:.3f} · accuracy {ev.accuracy:.3f} · "
            f"suggestion for {ev.coverage:.1%} (accuracy when suggested {ev.accuracy_when_suggested:.3f})"
        )
        w("")
        w(f"{'category':<24} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>5}")
        for slug, s in ev.per_category.items():
            w(f"{slug:<24} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>5}")
        w("")
        lang_ok: dict[str, list[int]] = {}
        for truth, found in zip(langs, detected, strict=True):
            if truth:
                lang_ok.setdefault(truth, []).append(int(truth.split("-")[0] == (found or "")))
        w(f"{'language':<10} {'category acc.':>13} {'coverage':>9} {'language acc.':>14} {'n':>5}")
        for lang, row in ev.per_language.items():
            hits = lang_ok.get(lang, [])
            lang_acc = f"{sum(hits) / len(hits):.3f}" if hits else "—"
            w(f"{lang:<10} {row['accuracy']:>13.3f} {row['coverage']:>9.3f} {lang_acc:>14} {row['count']:>5}")
        all_hits = [h for hits in lang_ok.values() for h in hits]
        if all_hits:
            lang_acc = sum(all_hits) / len(all_hits)
            w(f"{'all':<10} {ev.accuracy:>13.3f} {ev.coverage:>9.3f} {lang_acc:>14.3f} {ev.count:>5}")
        if ev.confusions:
            w("")
            w("Main confusions (true → suggested, — = no suggestion):")
            for truth, predicted, count in ev.confusions:
                w(f"  {truth} → {predicted}: {count}")

    def _detector(self, title: str, truth, found) -> None:
        w = self.stdout.write
        s = detection_scores(truth, found)
        w("")
        w(
            f"{title}: {s['messages']} messages, {s['with_signal']} with one · recall {s['recall']:.3f} · "
            f"precision {s['precision']:.3f} · clean messages not flagged {s['clean_not_flagged']:.3f}"
        )
        for kind, k in kind_scores(truth, found).items():
            w(f"  {kind:<20} recall {k['recall']:.3f}  precision {k['precision']:.3f}  n={k['support']}")
