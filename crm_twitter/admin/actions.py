"""The one loop behind the admin's bulk actions: call a service per row, report done and refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.services.errors import CaseRuleError

REFUSALS_SHOWN = 20


def rows_apply(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    call: Callable[[Any], Any],
    *,
    done_message: str,
    verb: str,
    case_of: Callable[[Any], Any] = lambda row: row,
) -> None:
    """Each row goes through its service on its own, so one refusal (a rule, a stale case) does not
    undo the others; the refusals are listed by case with the service's reason."""
    done, refused = 0, []
    for row in rows:
        try:
            call(row)
            done += 1
        except CaseRuleError as exc:
            refused.append(f"{case_of(row)}: {exc.message}")
    if done:
        modeladmin.message_user(request, done_message % {"verb": verb, "n": done}, messages.SUCCESS)
    if refused:
        modeladmin.message_user(
            request, _("Refused: %(list)s") % {"list": "; ".join(refused[:REFUSALS_SHOWN])}, messages.WARNING
        )
