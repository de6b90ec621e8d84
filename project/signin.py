"""Sign-in protection glue for django-axes: the client's address behind proxies, and the page a
locked-out person sees (on /accounts/login/ and /admin/login/ alike)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The address failed sign-ins are counted against.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies that each append the address they saw to
    ``X-Forwarded-For``, the client is the entry the outermost trusted proxy added; anything before
    it is whatever the client chose to send and is never believed. Without proxies (or with a
    header too short to hold them) it is the socket's address. Counting per real address keeps one
    attacker from locking a colleague out: only that username *from the attacker's address* is
    locked.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 with a page that says how long the lock lasts and who can lift it (never whether the
    password was right)."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    # Rendered now: AxesMiddleware swaps it in after the response phase that renders templates.
    response = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": get_failure_limit(request, credentials), "cooloff_minutes": minutes},
        status=429,
    )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
