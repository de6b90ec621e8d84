"""The Content-Security-Policy crm_twitter's pages work under, and Django 6.0's CSP middleware for
projects still on Django 5.2.

Every page of the app — the inbox (htmx), the admin, the reports and the API docs — loads its
scripts from the app's own static files and runs no inline script and no ``eval``, so
``script-src 'self'`` holds: an injected ``<script>`` or ``on…=`` attribute does not run even if
some text were ever rendered unescaped. Styles allow inline ``style`` attributes and blocks: the
queue's avatar colours and the charts set them per row, and the report's HTML is also mailed as a
standalone file, so it carries its own ``<style>``. Images come from the app and from X's media
hosts (customers' photos are shown from X, never copied into the page) — or from the X sandbox,
which serves them itself when the desk talks to it (``csp_policy``).

A host project on Django 6.0+ sets ``SECURE_CSP = csp_policy(api_base_url=…)`` (or ``CSP_POLICY``,
optionally extended) and adds
``django.middleware.csp.ContentSecurityPolicyMiddleware``; on Django 5.2 it adds
``crm_twitter.csp.ContentSecurityPolicyMiddleware``, which reads the same settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "https://*.twimg.com"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

X_API_HOSTS = frozenset({"api.x.com", "api.twitter.com"})


def csp_policy(*, api_base_url: str) -> dict[str, list[str]]:
    """``CSP_POLICY`` for a desk whose X API is at ``api_base_url`` (``CRM_TWITTER['API_BASE_URL']``).

    Against X itself that is the policy unchanged. Against anything else — the sandbox of the demo
    and the tests — that origin may serve images too, because the sandbox hands out media URLs on
    itself where X would point at its CDN.
    """
    policy = {directive: list(sources) for directive, sources in CSP_POLICY.items()}
    parsed = urlparse(api_base_url)
    if parsed.scheme in {"http", "https"} and parsed.hostname and parsed.hostname not in X_API_HOSTS:
        policy["img-src"].append(f"{parsed.scheme}://{parsed.netloc}")
    return policy


HEADERS = (
    ("Content-Security-Policy", "SECURE_CSP"),
    ("Content-Security-Policy-Report-Only", "SECURE_CSP_REPORT_ONLY"),
)


def csp_header_value(policy: Mapping[str, Any]) -> str:
    """A policy dict rendered as Django 6.0 renders ``SECURE_CSP``: a list (or set) of sources per
    directive, ``True`` for a directive without sources, ``None``/``False`` to leave it out."""
    parts = []
    for directive, sources in policy.items():
        if sources is None or sources is False:
            continue
        if sources is True:
            parts.append(directive)
            continue
        if isinstance(sources, str):
            sources = [sources]
        elif isinstance(sources, (set, frozenset)):
            sources = sorted(sources)
        parts.append(" ".join([directive, *sources]))
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Django 5.2's stand-in for ``django.middleware.csp.ContentSecurityPolicyMiddleware``: sends
    ``SECURE_CSP`` (and ``SECURE_CSP_REPORT_ONLY``) on every response that has not set its own.
    Nonces and the per-view decorators of Django 6.0 are not offered; nothing here needs them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for header, setting in HEADERS:
            policy = getattr(settings, setting, None)
            if policy and header not in response:
                response[header] = csp_header_value(policy)
        return response
