"""Small helpers shared by the inbox views: the stale-form message, redirects, order hints."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm_twitter.services.order_matching import order_numbers_find, tracking_numbers_find


def stale(request: HttpRequest) -> None:
    messages.error(request, _("This case changed while you were looking at it. Review the latest state and try again."))


def back_to_case(case_pk: int, anchor: str = "") -> HttpResponseRedirect:
    response = redirect("crm_twitter_inbox:case", pk=case_pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def numbers_in_texts(texts: Iterable[str]) -> list[str]:
    """Order and tracking numbers mentioned in messages (the order matcher's patterns), first 20."""
    seen: dict[str, None] = {}
    for text in texts:
        if text:
            for number in order_numbers_find(text) + tracking_numbers_find(text):
                seen.setdefault(number.lstrip("#"), None)
    return list(seen)[:20]
