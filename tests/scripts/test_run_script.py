"""`make run` (scripts/run.sh) stops at once, saying why, when one of its ports is taken.

Before, a taken sandbox port let the script go on: the demo synced from whatever listened there,
printed "Sync stopped (error): not_found" three times and then "crm_twitter is running"."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def taken_port():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder.getsockname()[1]
    holder.close()


@pytest.mark.parametrize("name", ["PORT", "SANDBOX_PORT"])
def test_run_refuses_to_start_when_a_port_is_taken(taken_port, name, tmp_path):
    other = "SANDBOX_PORT" if name == "PORT" else "PORT"
    var = tmp_path / "var"  # where the run would put its database, logs and mail
    env = {**os.environ, name: str(taken_port), other: str(free_port()), "CRM_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        ["bash", "scripts/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    # Nothing migrated, synced or started first: no step began, no database, log or mail was written.
    assert "==>" not in result.stdout
    assert not var.exists() or sorted(p.name for p in var.iterdir()) == []
    assert f"port {taken_port} ({name}," in result.stderr and "already in use" in result.stderr
    assert f"make run {name}=<port>" in result.stderr
    assert "==> Database" not in result.stdout and "is running" not in result.stdout


def test_the_readiness_url_make_run_polls_is_one_the_sandbox_serves(sandbox):
    """`make run` waits for the sandbox on a control URL; one the sandbox does not serve (a 404)
    made every run stop with "the X sandbox did not start"."""
    import re
    import urllib.request

    script = (Path(__file__).resolve().parents[2] / "scripts" / "run.sh").read_text()
    (path,) = set(re.findall(r"/_sandbox/[a-z_]+", script))
    with urllib.request.urlopen(f"{sandbox.base_url}{path}", timeout=10) as response:
        assert response.status == 200
