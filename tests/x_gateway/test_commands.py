"""`crm_twitter_account` and `crm_twitter_sandbox` as an integrator uses them."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from crm_twitter.models import BrandAccount

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> str:
    out = io.StringIO()
    call_command("crm_twitter_account", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def brand(sandbox):
    return sandbox.state.add_brand("AcmeHelp", name="Acme Support")


def test_add_reads_credentials_from_the_environment_and_looks_up_the_user_id(sandbox, brand, db, monkeypatch):
    creds = sandbox.credentials(brand)
    for name, value in creds.items():
        monkeypatch.setenv(f"CRM_TWITTER_{name.upper()}", value)

    output = run("add", "--handle", "@AcmeHelp", "--role", "support")

    account = BrandAccount.objects.get()
    assert account.handle == "AcmeHelp"
    assert account.x_user_id == brand["id"]
    assert account.display_name == "Acme Support"
    assert account.get_credentials() == creds
    assert creds["access_token"] not in account.credentials_encrypted
    assert "Added @AcmeHelp" in output
    assert all(secret not in output for secret in creds.values())


def test_add_with_options_and_a_known_user_id_makes_no_call(sandbox, db):
    output = run(
        "add",
        "--no-verify",  # credentials are checked with users/me otherwise (issue #15)
        "--handle",
        "AcmeEU",
        "--user-id",
        "555",
        "--role",
        "regional",
        "--region",
        "EU",
        "--bearer-token",
        "b-secret",
        "--consumer-key",
        "ck-secret",
        "--consumer-secret",
        "cs-secret",
        "--access-token",
        "555-at-secret",
        "--access-token-secret",
        "ats-secret",
    )

    account = BrandAccount.objects.get(handle="AcmeEU")
    assert (account.x_user_id, account.role, account.region) == ("555", "regional", "EU")
    assert sandbox.state.request_log == []
    assert all(value not in output for value in ("b-secret", "ck-secret", "cs-secret", "555-at-secret", "ats-secret"))


def test_add_again_updates_the_account_instead_of_duplicating_it(sandbox, brand, db):
    creds = sandbox.credentials(brand)
    args = [f"--{k.replace('_', '-')}={v}" for k, v in creds.items()]
    run("add", "--handle", "AcmeHelp", *args)

    run("add", "--handle", "AcmeHelp", "--role", "executive")

    assert BrandAccount.objects.get().role == "executive"


def test_add_without_credentials_is_refused(db, monkeypatch):
    for name in ("BEARER_TOKEN", "CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"):
        monkeypatch.delenv(f"CRM_TWITTER_{name}", raising=False)

    with pytest.raises(CommandError, match="No credentials"):
        run("add", "--handle", "AcmeHelp")


def test_list_shows_accounts_without_secrets(sandbox, db):
    account = sandbox.brand_account("AcmeHelp")

    output = run("list")

    assert "@AcmeHelp" in output and account.x_user_id in output
    assert all(secret not in output for secret in account.get_credentials().values())


def test_check_reports_the_authenticated_user_and_rate_limit(sandbox, db):
    sandbox.brand_account("AcmeHelp")

    output = run("check")

    assert "@AcmeHelp: OK" in output
    assert "74/75 left" in output


def test_check_fails_loudly_on_revoked_credentials(sandbox, db):
    account = sandbox.brand_account("AcmeHelp")
    sandbox.state.revoke_token(account.get_credentials()["access_token"])

    with pytest.raises(CommandError, match="@AcmeHelp"):
        run("check", "--handle", "AcmeHelp")


def _sigint_ignored() -> None:  # what a script's background job inherits (bash without job control)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("stop_with", "started_in_background"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "ctrl-c-when-started-in-background", "sigterm-from-a-service-manager"],
)
def test_the_sandbox_command_serves_until_interrupted(tmp_path, stop_with, started_in_background):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.test_settings", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "crm_twitter_sandbox", "--port", "0", "--scenario", "minimal"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_sigint_ignored if started_in_background else None,
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if "X API sandbox on " in line:
                url = line.split("X API sandbox on ")[1].split()[0]
        assert url, "the sandbox did not start"

        state = requests.get(f"{url}/_sandbox/state", timeout=5).json()

        assert state["tweets"] == 1
        assert state["brands"][0]["handle"] == "NovaShopHelp"
    finally:
        process.send_signal(stop_with)
        # communicate() keeps reading the output: a child blocked writing to a full pipe cannot exit.
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"{stop_with.name} did not stop the sandbox within 30 s; its output:\n{output[-4000:]}")
    assert "Stopping the sandbox." in output
