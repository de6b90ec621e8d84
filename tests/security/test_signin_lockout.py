"""Issue #15 (1): wrong passwords lock a username out of both sign-in pages; a supervisor unlocks.

The probe sent 200 wrong passwords in 56 s, all answered 200, and the right one still signed in.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory, override_settings

from project.signin import client_ip
from tests.factories import UserFactory

LIMIT = settings.AXES_FAILURE_LIMIT
CORRECT = "password"  # the factories' password


def sign_in(client, path: str, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("path", "staff"), [("/accounts/login/", False), ("/admin/login/", True)], ids=["inbox", "admin"]
)
def test_wrong_passwords_lock_the_username_even_against_the_right_password(client, db, path, staff):
    user = UserFactory(username="carol", roles=["crm_agent"], is_staff=staff)
    for attempt in range(1, LIMIT):
        response = sign_in(client, path, user.username, f"guess-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
    locked = sign_in(client, path, user.username, f"guess-{LIMIT}")
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert int(locked["Retry-After"]) > 0

    refused = sign_in(client, path, user.username, CORRECT)
    assert refused.status_code == 429
    assert not signed_in(client)


def test_a_locked_username_still_signs_in_from_another_address(client, db):
    """Guesses from one address must not lock a colleague out from theirs."""
    user = UserFactory(username="dave", roles=["crm_agent"])
    for attempt in range(LIMIT):
        sign_in(client, "/accounts/login/", user.username, f"guess-{attempt}", address="198.51.100.66")
    assert sign_in(client, "/accounts/login/", user.username, CORRECT, address="198.51.100.66").status_code == 429
    response = sign_in(client, "/accounts/login/", user.username, CORRECT, address="203.0.113.20")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_few_mistakes_then_the_right_password_clear_the_count(client, db):
    user = UserFactory(username="erin", roles=["crm_agent"])
    for attempt in range(LIMIT - 1):
        sign_in(client, "/accounts/login/", user.username, f"typo-{attempt}")
    assert sign_in(client, "/accounts/login/", user.username, CORRECT).status_code == 302
    client.logout()
    for attempt in range(LIMIT - 1):
        assert sign_in(client, "/accounts/login/", user.username, f"typo-again-{attempt}").status_code == 200


def lock_out(client, username: str) -> None:
    for attempt in range(LIMIT):
        sign_in(client, "/accounts/login/", username, f"guess-{attempt}")
    assert sign_in(client, "/accounts/login/", username, CORRECT).status_code == 429


def test_a_supervisor_unlocks_from_the_admin_and_the_user_signs_in(client, db):
    from django.contrib.admin.models import LogEntry

    user = UserFactory(username="frank", roles=["crm_agent"])
    supervisor = UserFactory(username="sam", is_staff=True, roles=["crm_supervisor"])
    lock_out(client, user.username)

    client.force_login(supervisor)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "frank" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="frank")
    response = client.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )
    assert "1 username can sign in again." in response.content.decode()
    assert LogEntry.objects.filter(user=supervisor, object_id=str(user.pk)).exists()
    client.logout()

    response = sign_in(client, "/accounts/login/", user.username, CORRECT)
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("roles", [["crm_agent"], ["crm_manager"]], ids=["agent", "manager"])
def test_only_supervisors_may_unlock(client, db, roles):
    user = UserFactory(username="gina", roles=["crm_agent"])
    lock_out(client, user.username)
    staff = UserFactory(username="nosy", is_staff=True, roles=roles)
    client.force_login(staff)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
    attempt = AccessAttempt.objects.get(username="gina")
    client.post("/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempt.pk]})
    assert AccessAttempt.objects.filter(username="gina").exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [("password123", "too common"), ("8812736450917", "entirely numeric"), ("short1", "too short")],
)
def test_weak_passwords_are_refused(password, reason):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert reason in " ".join(refused.value.messages)


def test_a_long_uncommon_password_is_accepted():
    validate_password("violet-harbour-lantern-42")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1", "10.0.0.1"),  # no proxy: the header is the client's to forge
        (1, "6.6.6.6, 198.51.100.9", "10.0.0.1", "198.51.100.9"),  # nginx appended the real client
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.5", "10.0.0.1", "198.51.100.9"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1", "10.0.0.1"),
    ],
)
def test_failures_are_counted_against_the_address_the_trusted_proxy_saw(proxies, forwarded, remote, expected):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected
