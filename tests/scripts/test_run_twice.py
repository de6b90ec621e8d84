"""`make run` twice in a row shows the same demo desk, and says so in a handful of lines.

Before, the second run's sandbox replayed the scenario's history with new ids and the desk kept
the first run's database: 27 DMs were ingested twice, a resolved case came back "In DM, 14h 50m
late", another escalated to level 3. Now the demo database is rebuilt with the sandbox.
The first run also printed 637 lines (39 console e-mails, a traceback) before the URL.

Runs the real script (sandbox, fresh migrations, demo load, worker, web app) twice: two minutes
on an idle machine, several on a busy one — so it runs with ``CRM_MAKE_RUN=1`` (CI's SQLite leg).

With ``DATABASE_URL`` (a PostgreSQL database of the user's) the script must not drop the database;
the demo load removes and reloads only the demo's own data, so the second run shows the same desk
there too. That test uses its own database, ``CRM_MAKE_RUN_POSTGRES_URL`` (default below), and is
skipped when no PostgreSQL answers (failed with ``CRM_REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("CRM_MAKE_RUN") != "1",
    reason="runs `make run` twice (minutes): run with CRM_MAKE_RUN=1 (CI's SQLite leg does)",
)

ROOT = Path(__file__).resolve().parents[2]
READY = "crm_twitter is running"
POSTGRES_URL = os.environ.get("CRM_MAKE_RUN_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/crm_twitter_make_run")
# Tables whose row count would grow if a second run doubled the demo's data (customers and X users
# are left out: the live sandbox adds people while the desk is read, a few more or fewer each run).
COUNTED = ("crm_twitter_brandaccount", "crm_twitter_order", "crm_twitter_team", "auth_user")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def desk_read(var: Path, database_url: str | None, started: dt.datetime) -> dict:
    """Every case opened before ``started`` (the history and the scenario's past; not what arrives
    live) with its status and escalation level, per customer; the DMs sent before then; and the
    row counts of ``COUNTED``."""
    cases_sql = (
        "SELECT x.handle, c.status, c.escalation_level FROM crm_twitter_case c"
        " JOIN crm_twitter_xuser x ON x.id = c.customer_x_user_id"
        " WHERE c.opened_at < {p} ORDER BY x.handle, c.opened_at, c.id"
    )
    dms_sql = "SELECT COUNT(*) FROM crm_twitter_directmessage WHERE created_at < {p}"
    if database_url:
        import psycopg

        db, param, at = psycopg.connect(database_url), "%s", started  # an aware datetime for timestamptz
    else:
        db = sqlite3.connect(var / "crm_twitter.sqlite3", timeout=20)
        param, at = "?", started.strftime("%Y-%m-%d %H:%M:%S")  # SQLite keeps naive UTC text
    try:
        # Keyed by customer, not by case number: each customer's cases, oldest first.
        cases: dict[str, list] = {}
        for handle, status, level in db.execute(cases_sql.format(p=param), (at,)).fetchall():
            cases.setdefault(handle, []).append((status, level))
        (dms,) = db.execute(dms_sql.format(p=param), (at,)).fetchone()
        rows = {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in COUNTED}  # noqa: S608
    finally:
        db.close()
    return {"cases": cases, "dms": dms, "rows": rows}


def make_run(var: Path, database_url: str | None = None) -> tuple[list[str], dict]:
    """Start scripts/run.sh, wait for its banner, read the desk (``desk_read``), stop it with SIGTERM.

    Returns the lines it printed and the desk as it was then."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_BACKEND", "EMAIL_FILE_PATH"}
    }
    env.update(CRM_VAR_DIR=str(var), PORT=str(free_port()), SANDBOX_PORT=str(free_port()))
    if database_url:
        env["DATABASE_URL"] = database_url
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    process = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 600  # a fresh migrate and the demo load: slow on a busy machine
    try:
        while time.monotonic() < deadline:  # up to the banner's last line
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "Ctrl-C stops it" in line:
                break
        assert any(READY in line for line in lines), "\n".join(lines)
        desk = desk_read(var, database_url, started)
    finally:
        process.send_signal(signal.SIGTERM)  # to the script only, as `make` passes it on
        try:
            process.wait(timeout=180)  # a step in progress (the demo load) ends first
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        process.stdout.close()
    return lines, desk


def test_a_second_make_run_shows_the_same_desk_and_both_are_quiet(tmp_path):
    first_lines, first = make_run(tmp_path)
    second_lines, second = make_run(tmp_path)

    assert sum(map(len, first["cases"].values())) > 300 and first["dms"] > 20  # the demo desk with its year of history
    assert second["dms"] == first["dms"]
    assert second["cases"] == first["cases"]
    assert second["rows"] == first["rows"]
    assert_quiet(first_lines, second_lines)
    assert any((tmp_path / "mail").iterdir())  # the desk's e-mails went to files


def assert_quiet(*runs: list[str]) -> None:
    for lines in runs:
        printed = [line for line in lines if line.strip()]
        assert len(printed) <= 12, "\n".join(lines)
        text = "\n".join(lines)
        assert "Traceback" not in text and "Content-Type:" not in text
        (demo,) = [line for line in lines if line.startswith("==> Demo desk")]  # one line for the demo load
        assert "resolved" in demo and "closed" in demo
        # The URL and the login come last.
        assert printed[-5].strip().startswith(READY) and "demo / demo" in printed[-4]


@pytest.fixture
def their_postgres():
    """The user's PostgreSQL database: created empty here, with a table of their own in it."""
    psycopg = pytest.importorskip("psycopg")
    name = re.fullmatch(r"(.*/)(\w+)", POSTGRES_URL)
    assert name, f"CRM_MAKE_RUN_POSTGRES_URL must end in a database name: {POSTGRES_URL}"
    try:
        server = psycopg.connect(name.group(1) + "postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CRM_REQUIRE_POSTGRES=1 but PostgreSQL at {POSTGRES_URL} does not answer: {exc}")
        pytest.skip(f"needs PostgreSQL at {POSTGRES_URL} (set CRM_MAKE_RUN_POSTGRES_URL): {exc}")
    with server:
        server.execute(f'DROP DATABASE IF EXISTS "{name.group(2)}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name.group(2)}"')
    with psycopg.connect(POSTGRES_URL) as db:
        db.execute("CREATE TABLE their_notes (note text)")
        db.execute("INSERT INTO their_notes VALUES ('ours, not the demo''s')")
    return POSTGRES_URL


def test_a_second_make_run_on_a_kept_postgresql_database_shows_the_same_desk(tmp_path, their_postgres):
    import psycopg

    first_lines, first = make_run(tmp_path, their_postgres)
    second_lines, second = make_run(tmp_path, their_postgres)

    assert sum(map(len, first["cases"].values())) > 300 and first["dms"] > 20
    assert second["dms"] == first["dms"]
    assert second["cases"] == first["cases"]
    assert second["rows"] == first["rows"]  # nothing of the demo doubled
    assert_quiet(first_lines, second_lines)
    assert any("DATABASE_URL is kept" in line for line in second_lines)
    with psycopg.connect(their_postgres) as db:  # the database itself was kept
        assert db.execute("SELECT note FROM their_notes").fetchall() == [("ours, not the demo's",)]
