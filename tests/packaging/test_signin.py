"""The app's own sign-in pages, for a host project that has none (README: urls.py block)."""

from __future__ import annotations

import pytest
from django.conf import global_settings
from django.test import Client

from tests.factories import UserFactory

pytestmark = [pytest.mark.urls("tests.packaging.host_urls"), pytest.mark.django_db]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def desk_user(agent):
    agent.set_password(PASSWORD)
    agent.save()
    return agent


def _sign_in(client: Client, user, **extra):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD, **extra})


def test_a_signed_out_agent_is_sent_to_the_apps_sign_in_page_and_back(client, desk_user):
    sent = client.get("/inbox/")
    assert sent.status_code == 302 and sent["Location"] == "/accounts/login/?next=/inbox/"

    page = client.get(sent["Location"])
    assert page.status_code == 200
    assert "crm_twitter/signin/login.html" in [t.name for t in page.templates]
    assert 'action="/accounts/login/"' in page.content.decode()

    signed_in = _sign_in(client, desk_user, next="/inbox/")
    assert signed_in.status_code == 302 and signed_in["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200


def test_without_a_next_page_a_new_project_lands_in_the_inbox_not_on_djangos_profile_page(client, desk_user, settings):
    settings.LOGIN_REDIRECT_URL = global_settings.LOGIN_REDIRECT_URL  # what startproject leaves

    response = _sign_in(client, desk_user)

    assert response["Location"] == "/inbox/"


def test_a_host_that_chose_where_to_land_gets_its_choice(client, desk_user, settings):
    settings.LOGIN_REDIRECT_URL = "/reports/"
    assert _sign_in(client, desk_user)["Location"] == "/reports/"


def test_a_wrong_password_shows_the_form_again_with_an_error(client, desk_user):
    response = client.post("/accounts/login/", {"username": desk_user.username, "password": "nope"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_returns_to_the_sign_in_page_unless_the_host_chose_another(client, desk_user, settings):
    settings.LOGOUT_REDIRECT_URL = None  # Django's default: it would render the admin's logged-out page
    client.force_login(desk_user)
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session

    settings.LOGOUT_REDIRECT_URL = "/reports/"
    client.force_login(UserFactory())
    assert client.post("/accounts/logout/")["Location"] == "/reports/"
