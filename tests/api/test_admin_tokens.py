"""The API token admin: the raw key shows once at creation and never again; revoking works."""

from __future__ import annotations

import re

from django.test import Client

from crm_twitter.models import ApiToken
from crm_twitter.models.api_tokens import hash_token


def test_creating_a_token_shows_the_key_once(admin_user, agent):
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/crm_twitter/apitoken/add/", {"user": agent.pk, "name": "Shopify sync", "scope": "read_write"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    raw = re.search(r'id="crm-api-token-key"[^>]*>([^<]+)<', html).group(1)
    token = ApiToken.objects.get(name="Shopify sync")
    assert token.key_hash == hash_token(raw)
    assert token.scope == "read_write"
    assert "no-store" in response["Cache-Control"]

    change = client.get(f"/admin/crm_twitter/apitoken/{token.pk}/change/").content.decode()
    listing = client.get("/admin/crm_twitter/apitoken/").content.decode()
    assert raw not in change and raw not in listing
    assert token.prefix in change


def test_revoke_action(admin_user, agent):
    token, _raw = ApiToken.generate(user=agent, name="old", scope="read")
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/crm_twitter/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
