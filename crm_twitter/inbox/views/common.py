"""Small helpers shared by the inbox views: the stale-form message, redirects, order hints."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm_twitter.services.errors import StaleCase
from crm_twitter.services.order_matching import order_numbers_find, tracking_numbers_find


def stale_message(exc: StaleCase, *, writing: bool = False) -> str:
    """What the agent reads when a service refused their form as stale: who changed what, and what now.

    ``exc.change`` (set by the services' version check) says whether the customer wrote or a
    colleague changed something; without it (a change that left no versioned event) the
    message stays generic.
    """
    said = exc.change.sentence() if exc.change is not None else ""
    if writing:
        said = said or _("This case changed while you were writing (new messages or actions).")
        return f"{said} {_('Review the timeline, then send again; your text is kept.')}"
    said = said or _("This case changed while you were looking at it.")
    return f"{said} {_('Review the latest state and try again.')}"


def stale(request: HttpRequest, exc: StaleCase) -> None:
    messages.error(request, stale_message(exc))


def back_to_case(case_pk: int, anchor: str = "") -> HttpResponseRedirect:
    response = redirect("crm_twitter_inbox:case", pk=case_pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# Joins the messages into one text for the matcher: a newline stops every "order word before the
# number" context (their patterns exclude \n), and NUL is neither a word, digit nor space
# character, so no number, URL tail or phone prefix runs from one message into the next.
MESSAGE_SEPARATOR = "\n\x00\n"


def numbers_in_texts(texts: Iterable[str]) -> list[str]:
    """Order and tracking numbers mentioned in messages (the order matcher's patterns), first 20.

    The matcher runs once over all the messages joined, not once per message: on a 200-message
    case, 400 matcher calls (each normalising its own text) cost ~20 ms of the page's first render.
    """
    blob = MESSAGE_SEPARATOR.join(text.replace("\x00", "") for text in texts if text)
    if not blob:
        return []
    seen: dict[str, None] = {}
    for number in order_numbers_find(blob) + tracking_numbers_find(blob):
        seen.setdefault(number.lstrip("#"), None)
    return list(seen)[:20]
