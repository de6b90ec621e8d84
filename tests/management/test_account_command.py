"""crm_twitter_account add/update: X's handle rule, digit ids, credentials checked against X (the
sandbox) unless --no-verify, conflicts reported as messages, and a warning about credentials
typed on the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from crm_twitter.models import BrandAccount
from tests.factories import BrandAccountFactory

CREDENTIAL_ENV = ("BEARER_TOKEN", "CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET")


@pytest.fixture(autouse=True)
def _no_credentials_in_the_environment(monkeypatch):
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(f"CRM_TWITTER_{name}", raising=False)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("crm_twitter_account", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def options(credentials: dict[str, str]) -> list[str]:
    return [f"--{name.replace('_', '-')}={value}" for name, value in credentials.items()]


def in_env(monkeypatch, credentials: dict[str, str]) -> None:
    for name, value in credentials.items():
        monkeypatch.setenv(f"CRM_TWITTER_{name.upper()}", value)


@pytest.fixture
def brand(sandbox):
    return sandbox.state.add_brand("AcmeHelp", name="Acme Support")


@pytest.mark.parametrize("handle", ["<script>x", "acme help", "Acme-Help", "AcmeHelpDesk12345", "", "@", "ÄcmeHelp"])
def test_handles_outside_x_rules_are_refused(db, handle):
    with pytest.raises(CommandError, match="is not an X handle: 1 to 15 letters"):
        run("add", "--handle", handle, "--user-id", "555", "--bearer-token", "t", "--no-verify")
    assert not BrandAccount.objects.exists()


@pytest.mark.parametrize("user_id", ["not-a-number", "12a", "²", "١٢٣", "-5", "1" * 21])
def test_user_ids_that_are_not_digits_are_refused(db, user_id):
    with pytest.raises(CommandError, match="is not an X user id: digits 0-9 only"):
        run("add", "--handle", "AcmeEU", "--user-id", user_id, "--bearer-token", "t", "--no-verify")
    assert not BrandAccount.objects.exists()


def test_garbage_credentials_with_a_user_id_are_refused_by_x(sandbox, db):
    with pytest.raises(CommandError, match=r"X refused the credentials \(users/me\)"):
        run("add", "--handle", "AcmeEU", "--user-id", "555", "--bearer-token", "garbage")
    assert not BrandAccount.objects.exists()


def test_an_update_with_garbage_credentials_is_refused_and_keeps_the_stored_ones(sandbox, db):
    account = sandbox.brand_account("AcmeHelp")
    before = account.get_credentials()

    with pytest.raises(CommandError, match="X refused the credentials"):
        run("update", "--handle", "AcmeHelp", "--access-token", "garbage")

    account.refresh_from_db()
    assert account.get_credentials() == before


def test_a_garbage_bearer_token_beside_good_oauth1_keys_is_caught(sandbox, brand, db, monkeypatch):
    in_env(monkeypatch, {**sandbox.credentials(brand), "bearer_token": "garbage"})

    with pytest.raises(CommandError, match=r"X refused the bearer token \(an app-only user lookup\)"):
        run("add", "--handle", "AcmeHelp")
    assert not BrandAccount.objects.exists()


def test_good_credentials_are_checked_and_the_id_comes_from_x(sandbox, brand, db, monkeypatch):
    in_env(monkeypatch, sandbox.credentials(brand))

    out, err = run("add", "--handle", "@AcmeHelp", "--user-id", brand["id"])

    assert f"Added @AcmeHelp (user id {brand['id']}" in out
    assert "checked with X as @AcmeHelp" in out
    assert "process list" not in err  # nothing was typed on the command line
    assert [r["endpoint"] for r in sandbox.state.request_log] == ["GET /2/users/me", "GET /2/users"]


def test_a_user_id_that_is_not_the_credentials_owner_is_refused(sandbox, brand, db, monkeypatch):
    in_env(monkeypatch, sandbox.credentials(brand))

    with pytest.raises(CommandError, match=f"The credentials belong to user id {brand['id']} \\(@AcmeHelp\\), not 555"):
        run("add", "--handle", "AcmeHelp", "--user-id", "555")


def test_no_verify_stores_unchecked_and_says_so(sandbox, db):
    out, _ = run("add", "--handle", "AcmeEU", "--user-id", "555", "--bearer-token", "b-secret", "--no-verify")

    assert "NOT checked with X (--no-verify)" in out
    assert BrandAccount.objects.get().x_user_id == "555"
    assert sandbox.state.request_log == []


def test_no_verify_needs_the_user_id_of_a_new_account(db):
    with pytest.raises(CommandError, match="Give the account's --user-id"):
        run("add", "--handle", "AcmeEU", "--bearer-token", "b-secret", "--no-verify")


def test_credentials_typed_as_options_bring_a_process_list_warning(sandbox, db):
    _, err = run("add", "--handle", "AcmeEU", "--user-id", "555", "--bearer-token", "b-secret", "--no-verify")

    assert "--bearer-token" in err and "process list" in err and "CRM_TWITTER_*" in err
    assert "b-secret" not in err


def test_prompt_asks_for_the_credentials_not_given(sandbox, brand, db, monkeypatch):
    creds = sandbox.credentials(brand)
    answers = iter(creds[name.lower()] for name in CREDENTIAL_ENV)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    out, err = run("add", "--handle", "AcmeHelp", "--prompt")

    assert BrandAccount.objects.get().get_credentials() == creds
    assert "checked with X" in out and "process list" not in err


def test_a_duplicate_user_id_is_a_message_not_a_traceback(db):
    BrandAccountFactory(handle="AcmeUS", x_user_id="555")

    with pytest.raises(CommandError, match="User id 555 already belongs to @AcmeUS"):
        run("add", "--handle", "AcmeEU", "--user-id", "555", "--bearer-token", "t", "--no-verify")


def test_a_too_long_region_is_a_message_not_a_traceback(db):
    with pytest.raises(CommandError, match="The account is not valid: region: "):
        run("add", "--handle", "AcmeEU", "--user-id", "556", "--bearer-token", "t", "--no-verify", "--region", "x" * 65)


def test_update_of_an_unknown_account_is_refused(db):
    with pytest.raises(CommandError, match="No account @Nobody"):
        run("update", "--handle", "Nobody", "--role", "executive")


def test_update_without_new_credentials_changes_the_role_without_calling_x(sandbox, db):
    sandbox.brand_account("AcmeHelp")

    out, _ = run("update", "--handle", "acmehelp", "--role", "executive")

    assert BrandAccount.objects.get().role == "executive"
    assert "Updated @AcmeHelp" in out and "credentials: unchanged" in out
    assert sandbox.state.request_log == []


def test_x_unreachable_is_a_message_that_offers_no_verify(sandbox, db, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_BASE_URL": "http://127.0.0.1:9"}

    with pytest.raises(CommandError, match=r"Could not reach X .* --no-verify"):
        run(
            "add",
            "--handle",
            "AcmeEU",
            "--consumer-key",
            "a",
            "--consumer-secret",
            "b",
            "--access-token",
            "c",
            "--access-token-secret",
            "d",
        )


def test_half_an_oauth1_key_set_is_refused(sandbox, db):
    with pytest.raises(
        CommandError, match=r"OAuth 1\.0a needs all four keys; missing: access_token, access_token_secret"
    ):
        run("add", "--handle", "AcmeEU", "--consumer-key", "a", "--consumer-secret", "b")
