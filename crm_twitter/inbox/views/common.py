"""Small helpers shared by the inbox views: looking up other helpers' services, order hints."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm_twitter.conf import app_settings

class ServiceUnavailable(Exception):
    """The service module this action needs is not installed (yet)."""


# Where the workflow and outbound helpers keep their services (see the shared contract).
SERVICE_MODULES = (
    "services.cases",
    "services.lifecycle",
    "services.routing",
    "services.assignment",
    "services.escalation",
    "services.promises",
    "services.categorisation",
    "services.categorization",
    "services.edits",
    "services.compose",
    "services.templates",
    "services.order_matching",
    "x.outbound",
)


def service(name: str) -> Callable[..., Any]:
    """The service function called ``name``, from whichever services module defines it."""
    for module in SERVICE_MODULES:
        try:
            found = getattr(importlib.import_module(f"crm_twitter.{module}"), name, None)
        except ImportError:
            continue
        if callable(found):
            return found
    raise ServiceUnavailable(name)


def optional_service(name: str) -> Callable[..., Any] | None:
    try:
        return service(name)
    except ServiceUnavailable:
        return None


def stale(request: HttpRequest) -> None:
    messages.error(request, _("This case changed while you were looking at it. Review the latest state and try again."))


def back_to_case(case_pk: int, anchor: str = "") -> HttpResponseRedirect:
    response = redirect("crm_twitter_inbox:case", pk=case_pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def numbers_in_texts(texts: Iterable[str]) -> list[str]:
    """Order and tracking numbers mentioned in messages (the matcher's patterns, or ours)."""
    order_find = optional_service("order_numbers_find")
    tracking_find = optional_service("tracking_numbers_find")
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        if order_find and tracking_find:
            try:
                found += list(order_find(text)) + list(tracking_find(text))
                continue
            except Exception:  # noqa: BLE001,S112 — a hint must never break the case page
                pass
        patterns = list(app_settings.ORDER_NUMBER_PATTERNS.get("*", [])) + list(app_settings.TRACKING_NUMBER_PATTERNS)
        for pattern in patterns:
            for match in re.finditer(pattern, text):
                found.append(match.group(1) if match.groups() else match.group(0))
    seen: dict[str, None] = {}
    for number in found:
        seen.setdefault(number.lstrip("#"), None)
    return list(seen)[:20]
