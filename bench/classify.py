"""Benchmark: reading messages (language, category, risk signals, private data) and retraining.

    python bench/classify.py [--labels 50000]

* Reading: every message of the corpus' test split (all ten languages, tweets and DMs),
  repeated to 20,000 messages, read in batches of 512 by ``messages_read`` exactly as
  ``crm_twitter_classify`` and ingest read them — on one core (BLAS pinned to one thread).
  Each of the four readers is also timed alone.
* Retraining: ``model_train`` on ``--labels`` examples (the training corpus, varied and
  repeated to that size, as a desk's labels would add to it) — what the daily task runs.

Each timing is the CPU time (``time.process_time``) of the best of 3 runs, so a busy machine
does not inflate it; libraries run single-threaded (BLAS and OpenMP pinned to one thread). Prints a markdown table. Needs no database rows (it uses the
shipped model file directly), but Django settings must load.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from crm_twitter.classify.corpus import Example, corpus_load  # noqa: E402
from crm_twitter.classify.language import languages_detect  # noqa: E402
from crm_twitter.classify.risk import risk_signals_find  # noqa: E402
from crm_twitter.classify.training import model_train  # noqa: E402
from crm_twitter.conf import app_settings  # noqa: E402
from crm_twitter.services.categorisation import shipped_model  # noqa: E402
from crm_twitter.services.privacy import private_data_find  # noqa: E402

BATCH = 512


def best_of(fn, runs: int = 3) -> float:
    """CPU seconds of the best run: what one core spends, whatever else the machine is doing."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--labels", type=int, default=50_000)
    args = parser.parse_args()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    test = corpus_load("test") or corpus_load("train")
    texts = [e.text for e in test]
    texts = (texts * (args.messages // len(texts) + 1))[: args.messages]
    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    model = shipped_model()
    threshold = float(app_settings.CATEGORY_MIN_CONFIDENCE)
    model.suggest_many(texts[:10], min_confidence=threshold)  # warm caches
    languages_detect(texts[:50])

    def language():
        for b in batches:
            languages_detect(b)

    def category():
        for b in batches:
            model.suggest_many(b, min_confidence=threshold)

    def risk():
        for t in texts:
            risk_signals_find(t)

    def private():
        for t in texts:
            private_data_find(t)

    def all_four():
        for b in batches:
            languages_detect(b)
            model.suggest_many(b, min_confidence=threshold)
            for t in b:
                risk_signals_find(t)
                private_data_find(t)

    n = len(texts)
    rows = []
    for name, fn in (
        ("language", language),
        ("category", category),
        ("risk signals", risk),
        ("private data", private),
        ("all four", all_four),
    ):
        seconds = best_of(fn)
        rows.append((name, n / seconds))

    train = corpus_load("train")
    rng = random.Random(7)
    labels: list[Example] = []
    while len(labels) < args.labels:
        e = rng.choice(train)
        words = e.text.split()
        rng.shuffle(words)  # a varied copy, so the vocabulary grows as real labels' would
        labels.append(Example(text=" ".join(words) if len(labels) % 2 else e.text, category=e.category))
    started = time.perf_counter()
    model_train(labels)
    retrain = time.perf_counter() - started

    print(f"Reading {n:,} messages of the test split (batches of {BATCH}), one core, CPU time, best of 3:\n")
    print("| reader | messages/s |")
    print("|---|---:|")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} |")
    print(f"\nRetraining on {len(labels):,} labels: {retrain:.1f} s (wall clock)")


if __name__ == "__main__":
    main()
