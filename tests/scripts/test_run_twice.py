"""`make run` twice in a row shows the same demo desk, and says so in a handful of lines.

Before, the second run's sandbox replayed the scenario's history with new ids and the desk kept
the first run's database: 27 DMs were ingested twice, a resolved case came back "In DM, 14h 50m
late", another escalated to level 3. Now the demo database is rebuilt with the sandbox.
The first run also printed 637 lines (39 console e-mails, a traceback) before the URL.

Runs the real script (sandbox, fresh migrations, demo load, worker, web app) twice: two minutes
on an idle machine, several on a busy one — so it runs with ``CRM_MAKE_RUN=1`` (CI's SQLite leg).
"""

from __future__ import annotations

import datetime as dt
import os
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_run(var: Path) -> tuple[list[str], dict]:
    """Start scripts/run.sh, wait for its banner, read the desk, stop it with SIGTERM.

    Returns the lines it printed and the desk as it was then: every case opened before the run
    started (the history and the scenario's past; not what arrives live) with its status and
    escalation level, per customer, and the number of DMs sent before the run started."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_BACKEND", "EMAIL_FILE_PATH"}
    }
    env.update(CRM_VAR_DIR=str(var), PORT=str(free_port()), SANDBOX_PORT=str(free_port()))
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
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
        with sqlite3.connect(var / "crm_twitter.sqlite3", timeout=20) as db:
            # Keyed by customer, not by case number: each customer's cases, oldest first.
            cases: dict[str, list] = {}
            for handle, status, level in db.execute(
                "SELECT x.handle, c.status, c.escalation_level FROM crm_twitter_case c"
                " JOIN crm_twitter_xuser x ON x.id = c.customer_x_user_id"
                " WHERE c.opened_at < ? ORDER BY x.handle, c.opened_at, c.id",
                (started,),
            ):
                cases.setdefault(handle, []).append((status, level))
            (dms,) = db.execute(
                "SELECT COUNT(*) FROM crm_twitter_directmessage WHERE created_at < ?", (started,)
            ).fetchone()
    finally:
        process.send_signal(signal.SIGTERM)  # to the script only, as `make` passes it on
        try:
            process.wait(timeout=180)  # a step in progress (the demo load) ends first
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        process.stdout.close()
    return lines, {"cases": cases, "dms": dms}


def test_a_second_make_run_shows_the_same_desk_and_both_are_quiet(tmp_path):
    first_lines, first = make_run(tmp_path)
    second_lines, second = make_run(tmp_path)

    assert sum(map(len, first["cases"].values())) > 300 and first["dms"] > 20  # the demo desk with its year of history
    assert second["dms"] == first["dms"]
    assert second["cases"] == first["cases"]

    for lines in (first_lines, second_lines):
        printed = [line for line in lines if line.strip()]
        assert len(printed) <= 12, "\n".join(lines)
        text = "\n".join(lines)
        assert "Traceback" not in text and "Content-Type:" not in text
        (demo,) = [line for line in lines if line.startswith("==> Demo desk")]  # one line for the demo load
        assert "resolved" in demo and "closed" in demo
        # The URL and the login come last.
        assert printed[-5].strip().startswith(READY) and "demo / demo" in printed[-4]
    assert any((tmp_path / "mail").iterdir())  # the desk's e-mails went to files
