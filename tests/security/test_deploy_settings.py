"""Issue #15 (10): headers and production defaults.

`check --deploy` is clean with the production settings README.md lists, and warns
(crm_twitter.W050) when X credentials would be encrypted with a key derived from SECRET_KEY; every
response carries the Content-Security-Policy; the API docs are for desk users only and run no
inline script.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from crm_twitter.checks import check_encryption_key_deploy
from crm_twitter.csp import CSP_POLICY, ContentSecurityPolicyMiddleware, csp_header_value, csp_policy

ROOT = Path(__file__).resolve().parents[2]

# README.md, "Production shape": the environment of a production web process.
PRODUCTION_ENV = {
    "SECRET_KEY": "k3Jd9-production-secret-from-a-store-Qw8vZ2xT5nLr0bYc7hMf4sGp1aEu6iOy",
    "CRM_TWITTER_ENCRYPTION_KEY": "p0cV2m4bq6HkG8wYl3rT9sXn1zJd5fAe7uLi0oQy2hE=",
    "CRM_TWITTER_WEBHOOK_SECRET": "the-x-apps-consumer-secret",
    "CRM_TWITTER_EVIDENCE_SIGNING_KEY": "r8Teq/iTdZ5Mb25CJ6O+DcytqMhISWWRfFcgzzmEsng=",
    "ALLOWED_HOSTS": "desk.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
    "SECURE_PROXY_SSL_HEADER": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    ours = ("SECURE_", "DEBUG", "CRM_TWITTER_", "EMAIL_", "TRUSTED_PROXY")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixture in this process
    clean.update({"CRM_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_settings_the_readme_lists(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_the_encryption_key_would_come_from_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CRM_TWITTER_ENCRYPTION_KEY"}
    result = check_deploy(tmp_path, **env)
    assert result.returncode != 0
    assert "crm_twitter.W050" in result.stderr + result.stdout
    assert "derived from SECRET_KEY" in result.stderr + result.stdout


def test_the_encryption_key_warning_goes_once_a_key_is_set():
    with override_settings(CRM_TWITTER={}):
        assert [w.id for w in check_encryption_key_deploy()] == ["crm_twitter.W050"]
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": "a-long-enough-passphrase-for-fernet"}):
        assert check_encryption_key_deploy() == []


def test_the_policy_allows_scripts_only_from_our_own_files():
    header = csp_header_value(CSP_POLICY)
    script_src = re.search(r"script-src ([^;]*)", header).group(1).split()
    assert script_src == ["'self'"]
    assert "object-src 'none'" in header
    assert "frame-ancestors 'none'" in header
    assert "default-src 'self'" in header


def test_the_project_uses_djangos_csp_middleware_from_6_0_and_the_backport_before():
    ours = "crm_twitter.csp.ContentSecurityPolicyMiddleware"
    djangos = "django.middleware.csp.ContentSecurityPolicyMiddleware"
    expected, other = (djangos, ours) if django.VERSION >= (6, 0) else (ours, djangos)
    assert expected in settings.MIDDLEWARE and other not in settings.MIDDLEWARE
    assert csp_policy(api_base_url=settings.CRM_TWITTER["API_BASE_URL"]) == settings.SECURE_CSP


def test_images_may_come_from_the_sandbox_only_when_the_desk_talks_to_it():
    assert csp_policy(api_base_url="https://api.x.com") == CSP_POLICY
    sandbox = csp_policy(api_base_url="http://127.0.0.1:8765")
    assert sandbox["img-src"] == [*CSP_POLICY["img-src"], "http://127.0.0.1:8765"]
    assert sandbox["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("path", "login"), [("/accounts/login/", False), ("/admin/login/", False), ("/", True), ("/api/v1/cases/", True)]
)
def test_every_page_and_api_answer_carries_the_policy(client, agent, path, login):
    if login:
        client.force_login(agent)
    response = client.get(path, follow=True)
    assert response["Content-Security-Policy"] == csp_header_value(settings.SECURE_CSP)


def test_the_backport_renders_like_django_and_leaves_a_views_own_policy_alone():
    assert (
        csp_header_value({"default-src": ["'self'"], "img-src": {"https:", "data:"}, "sandbox": True, "x": None})
        == "default-src 'self'; img-src data: https:; sandbox"
    )
    own = HttpResponse()
    own["Content-Security-Policy"] = "default-src 'none'"
    with override_settings(SECURE_CSP={"default-src": ["'self'"]}, SECURE_CSP_REPORT_ONLY={"img-src": ["'self'"]}):
        response = ContentSecurityPolicyMiddleware(lambda request: own)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Content-Security-Policy-Report-Only"] == "img-src 'self'"


@pytest.mark.parametrize("query", ["", "?script="])
def test_the_api_docs_and_their_script_are_not_served_to_anonymous_visitors(db, query):
    response = APIClient().get(f"/api/docs/{query}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_api_docs_page_runs_no_inline_script(client, manager):
    client.force_login(manager)
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attrs for attrs in scripts), scripts
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert "SwaggerUIBundle(" in body
    assert '"validatorUrl": null' in body  # no badge fetched from validator.swagger.io
