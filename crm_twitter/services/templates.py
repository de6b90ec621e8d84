"""Canned replies: pick the template for a step of the flow in the customer's language, fill it in.

Placeholders: ``{handle} {name} {order_number} {promise_due} {agent_signature} {case_reference}
{dm_link}``. A value the case does not have yet renders as something sensible (or nothing), never
as a KeyError or a raw ``{placeholder}`` sent to a customer. Unknown placeholders and stray braces
in a body typed in the admin are left as written.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from crm_twitter.conf import app_settings
from crm_twitter.models import Case, CaseStatus, Promise, ReplyTemplate

# Prefilled text of the DM deep link, in the customer's language (fallback English).
DM_PREFILL = {
    "en": "Order number: ",
    "zh": "订单号：",
    "es": "Número de pedido: ",
    "de": "Bestellnummer: ",
    "fr": "Numéro de commande : ",
    "ja": "注文番号：",
}

_PLACEHOLDER = re.compile(r"([ \t]?)\{([a-z_]+)\}")
_SPACES = re.compile(r"[ \t]{2,}")


def language_base(language: str | None) -> str:
    """ "zh-Hans", "zh_CN", "ZH" → "zh"; "" stays ""."""
    return (language or "").replace("_", "-").split("-")[0].lower()


def template_choose(*, step: str, language: str, channel: str | None = None) -> ReplyTemplate | None:
    """The active template for ``step`` in the customer's language, else English, else any language.

    ``channel`` ("public"/"dm") narrows the choice when a step exists for both.
    """
    return template_chooser(step=step, channel=channel)(language)


def template_chooser(*, step: str, channel: str | None = None) -> Callable[[str], ReplyTemplate | None]:
    """``template_choose`` for many customers: the step's templates are read once (one query), then
    picked per language, so a reply to every customer of an incident costs no query per customer."""
    qs = ReplyTemplate.objects.filter(step=step, is_active=True)
    if channel:
        qs = qs.filter(channel=channel)
    candidates = list(qs.order_by("name", "id"))
    return lambda language: _template_pick(candidates, language)


def _template_pick(candidates: list[ReplyTemplate], language: str) -> ReplyTemplate | None:
    if not candidates:
        return None
    wanted = (language or "").lower()
    preferences = [wanted, language_base(wanted), "en"]
    for pref in preferences:
        if not pref:
            continue
        for template in candidates:
            if template.language.lower() == pref:
                return template
    for pref in preferences:
        for template in candidates:
            if pref and language_base(template.language) == pref:
                return template
    return candidates[0]


def template_step_next(
    *,
    status: str,
    steps_sent: Iterable[tuple[str, dt.datetime | None]],
    resolved_at: dt.datetime | None = None,
    has_open_promise: bool = False,
) -> str:
    """The reply step the standard flow expects next (the composer stars its template), or "".

    Follows what was already sent, not only the status: a case still "new" whose acknowledgement
    is queued needs no second one, a case in DM that was asked for its details is next promised a
    remedy (or updated, once a promise is open), and a resolved case is closed publicly once —
    after the public close nothing is suggested. ``steps_sent`` pairs each template step sent from
    the desk (failed sends left out) with when it was queued.
    """
    sent = list(steps_sent)
    steps = {step for step, _at in sent}
    S, Step = CaseStatus, ReplyTemplate.Step
    if status == S.NEW:
        return "" if Step.ACKNOWLEDGE in steps else Step.ACKNOWLEDGE
    if status == S.ACKNOWLEDGED:
        return Step.UPDATE if Step.REQUEST_DETAILS in steps else Step.REQUEST_DETAILS
    if status == S.IN_DM:
        if Step.REQUEST_DETAILS not in steps:
            return Step.REQUEST_DETAILS
        return Step.UPDATE if has_open_promise else Step.PROMISE
    if status in (S.PENDING_MERCHANT, S.AWAITING_CUSTOMER):
        return Step.UPDATE
    if status == S.RESOLVED:
        closed = any(
            step == Step.PUBLIC_CLOSE and (resolved_at is None or (at and at >= resolved_at)) for step, at in sent
        )
        return "" if closed else Step.PUBLIC_CLOSE
    return ""


def dm_link(*, case: Case, language: str | None = None) -> str:
    """X's DM deep link to the brand account, prefilled so the customer starts with the order number."""
    prefill = DM_PREFILL.get(language_base(language or case.language), DM_PREFILL["en"])
    recipient = case.brand_account.x_user_id
    return f"https://twitter.com/messages/compose?recipient_id={recipient}&text={quote(prefill, safe='')}"


def agent_signature(actor) -> str:
    """AGENT_SIGNATURE with {initials} {first_name} {last_name} {name} {username} of the agent."""
    if actor is None:
        return ""
    first = (getattr(actor, "first_name", "") or "").strip()
    last = (getattr(actor, "last_name", "") or "").strip()
    username = getattr(actor, "username", "") or ""
    initials = ((first[:1] + last[:1]) or username[:2]).upper()
    values = {
        "initials": initials,
        "first_name": first or username,
        "last_name": last,
        "name": f"{first} {last}".strip() or username,
        "username": username,
    }
    return _substitute(app_settings.AGENT_SIGNATURE or "", values).strip()


def _promise_due_text(promise: Promise | None, case: Case) -> str:
    if promise is None:
        return ""
    zone_name = (case.customer.time_zone if case.customer_id else "") or app_settings.TIME_ZONE or "UTC"
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = promise.due_at.astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M ") + (local.tzname() or zone_name)


# {promise_due} is the open promise due first; {order_number} the latest order's number.
_PROMISE_ORDER = ("due_at", "id")
_ORDER_ORDER = ("-ordered_at", "-id")


@dataclass(frozen=True)
class TemplateFacts:
    """What filling a template reads from the database beyond the case row, read for many cases at
    once by ``template_facts_many``."""

    order_number: str = ""
    promise: Promise | None = None


def _case_promise(case: Case) -> Promise | None:
    return case.promises.filter(status=Promise.Status.OPEN).order_by(*_PROMISE_ORDER).first()


def _order_number(case: Case) -> str:
    order = case.orders.order_by(*_ORDER_ORDER).first()
    return order.order_number if order else ""


def template_facts_many(case_ids: Iterable[int]) -> dict[int, TemplateFacts]:
    """``TemplateFacts`` of many cases in two queries (the same choice of promise and order as for
    one case); a case with neither gets the empty facts."""
    ids = list(case_ids)
    promises: dict[int, Promise] = {}
    for promise in Promise.objects.filter(case_id__in=ids, status=Promise.Status.OPEN).order_by(
        "case_id", *_PROMISE_ORDER
    ):
        promises.setdefault(promise.case_id, promise)
    numbers: dict[int, str] = {}
    through = Case.orders.through.objects.filter(case_id__in=ids)
    ordering = [f"-order__{o[1:]}" if o.startswith("-") else f"order__{o}" for o in _ORDER_ORDER]
    for case_id, number in through.order_by("case_id", *ordering).values_list("case_id", "order__order_number"):
        numbers.setdefault(case_id, number)
    return {pk: TemplateFacts(order_number=numbers.get(pk, ""), promise=promises.get(pk)) for pk in ids}


def template_values(
    *, case: Case, actor, promise: Promise | None = None, facts: TemplateFacts | None = None
) -> dict[str, str]:
    """The placeholder values for ``case`` (empty strings where the case has nothing yet).

    ``facts``: the case's promise and order read beforehand for many cases (no query here)."""
    x_user = case.customer_x_user
    customer = case.customer
    handle = f"@{x_user.handle}" if x_user and x_user.handle else ""
    name = (customer.display_name if customer else "") or (x_user.name if x_user else "") or handle
    if promise is None:
        promise = facts.promise if facts is not None else _case_promise(case)
    return {
        "handle": handle,
        "name": name,
        "order_number": facts.order_number if facts is not None else _order_number(case),
        "promise_due": _promise_due_text(promise, case),
        "agent_signature": agent_signature(actor),
        "case_reference": case.reference or f"#{case.pk}",
        "dm_link": dm_link(case=case),
    }


_FALLBACKS = {"order_number": "your order", "promise_due": "as soon as we can"}


def template_render(
    *, template: ReplyTemplate, case: Case, actor, promise: Promise | None = None, facts: TemplateFacts | None = None
) -> str:
    """The template body with the case's values filled in, ready for the agent to edit and send."""
    values = template_values(case=case, actor=actor, promise=promise, facts=facts)
    for key, fallback in _FALLBACKS.items():
        if not values[key] and language_base(template.language) == "en":
            values[key] = fallback
    text = _substitute(template.body, values)
    return _SPACES.sub(" ", text).strip()


def _substitute(body: str, values: dict[str, str]) -> str:
    """Fill known placeholders; an empty value takes the space before it along (no "Hi , …")."""

    def fill(match: re.Match[str]) -> str:
        space, key = match.group(1), match.group(2)
        if key not in values:
            return match.group(0)
        return space + values[key] if values[key] else ""

    return _PLACEHOLDER.sub(fill, body)


def template_fill(*, template: ReplyTemplate, values: dict[str, str]) -> str:
    """A template body filled with ``values`` when there is no single case to take them from (an
    incident's public status update): same placeholder rules as ``template_render``."""
    return _SPACES.sub(" ", _substitute(template.body, values)).strip()
