"""Reads behind one case's page (and the API's case detail): the case with what its side panels
show, the customer's other cases, the reply templates the composer offers.
"""

from __future__ import annotations

from django.db.models import (
    Prefetch,
)

from crm_twitter.models import (
    BrandAccount,
    Case,
    Order,
    OrderItem,
    ReplyTemplate,
)
from crm_twitter.selectors.related import _attach_small_related
from crm_twitter.selectors.visibility import cases_visible_to


def case_detail(*, user, pk: int) -> Case:
    """One case with everything its side panels show; raises Case.DoesNotExist if not visible.

    Joins only the customer, X user and account; categories, team and assignee come by id (tiny
    indexed queries). Joining all nine tables made PostgreSQL spend ~50 ms planning the query.
    """
    case = (
        cases_visible_to(user)
        .select_related("customer", "customer_x_user", "brand_account")
        .defer("customer_x_user__raw")
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=Order.objects.select_related("customer")
                .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
                .order_by("-ordered_at", "-id"),
            ),
            "promises",
        )
        .get(pk=pk)
    )
    _attach_small_related([case], {BrandAccount: {case.brand_account.pk: case.brand_account}})
    linked = {case.reopened_from_id, case.merged_into_id} - {None}
    if linked:  # rare: a follow-up or merged case
        others = Case.objects.defer("conversation_ids").in_bulk(linked)
        for name in ("reopened_from", "merged_into"):
            field = Case._meta.get_field(name)
            field.set_cached_value(case, others.get(getattr(case, field.attname)))
    return case


def customer_case_history(*, case: Case, limit: int = 8) -> list[Case]:
    """The customer's other cases, newest first (the "earlier cases" panel)."""
    return list(
        Case.objects.filter(customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .select_related("category")
        .order_by("-opened_at")[:limit]
    )


TEMPLATE_STEP_ORDER = {value: index for index, (value, _label) in enumerate(ReplyTemplate.Step.choices)}


def reply_templates_offered(*, case: Case) -> list[ReplyTemplate]:
    """The composer's template picker: active templates in the customer's language (English for a
    step with none in that language), in the order of the standard flow. A template switched off in
    the admin is withdrawn at once; it is never offered."""
    language = (case.language or "en").split("-")[0].lower()
    rows = list(ReplyTemplate.objects.filter(is_active=True, language__in={language, "en"}))
    steps_in_language = {t.step for t in rows if t.language == language}
    chosen = [t for t in rows if t.language == language or t.step not in steps_in_language]
    return sorted(chosen, key=lambda t: (TEMPLATE_STEP_ORDER.get(t.step, 99), t.name))


def reply_template_active(*, pk: int | str | None) -> ReplyTemplate:
    """The active template with this id, for inserting or sending; raises ReplyTemplate.DoesNotExist
    for an unknown, malformed or deactivated one (a stale page or a forged form may still submit
    it)."""
    try:
        return ReplyTemplate.objects.get(pk=int(pk), is_active=True)
    except (TypeError, ValueError):
        raise ReplyTemplate.DoesNotExist("No such template") from None
