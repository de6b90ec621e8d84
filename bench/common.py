"""Shared set-up for the benchmarks: Django on the database named by DATABASE_URL, migrated.

Run a benchmark as ``python bench/<name>.py`` (``make bench`` runs them all on SQLite and, when
PostgreSQL is reachable, on PostgreSQL). Each prints a markdown table.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(*, migrate: bool = True, flush: bool = False) -> str:
    """Configure Django for a benchmark and return the database vendor ("sqlite"/"postgresql")."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    (ROOT / "var").mkdir(exist_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # The work a bench times sends notification e-mails; the project's console backend would print
    # thousands of them between the tables (kept in memory instead: ``django.core.mail.outbox``).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if flush:
        call_command("flush", verbosity=0, interactive=False)
        call_command("migrate", "crm_twitter", "zero", verbosity=0, interactive=False)
        call_command("migrate", verbosity=0, interactive=False)
    # The project's cache without Redis is a table (the Incidents badge and the queue counts use it).
    call_command("createcachetable", verbosity=0)
    return connection.vendor


def timed(fn: Callable[[], object], *, repeat: int = 1) -> list[float]:
    """Wall-clock seconds of each of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, printed beside every figure taken on a shared machine."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def pg_bulk_load(cursor, tables: Sequence[str], *, log: Callable[[str], None] | None = None) -> Iterator[None]:
    """PostgreSQL, inside the caller's transaction: load ``tables`` fast, then rebuild their indexes.

    Building an index once over ten million rows takes a fraction of maintaining it row by row, and
    checking three foreign keys per inserted row (a trigger each) costs more than the insert itself.
    So the tables' secondary indexes are dropped (unique constraints stay: they guard the seed and
    their keys arrive in order) and, for a superuser, foreign-key triggers are off
    (``session_replication_role = replica``) until the indexes are rebuilt. All of it is one
    transaction: a seed that fails leaves the database as it was, indexes included.
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = bool(cursor.fetchone()[0])
    if superuser:
        cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
        "ORDER BY i.tablename, i.indexname",
        [list(tables)],
    )
    rebuild = cursor.fetchall()
    for name, _definition in rebuild:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.perf_counter()
    for name, definition in rebuild:
        step = time.perf_counter()
        cursor.execute(definition)
        log(f"  index {name}: {time.perf_counter() - step:.1f} s")
    log(f"  {len(rebuild)} indexes rebuilt in {time.perf_counter() - started:.0f} s")
    if superuser:
        cursor.execute("SET LOCAL session_replication_role = origin")
