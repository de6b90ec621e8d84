"""Orders as a case sees them: found by what the agent types or what the messages mention, the case
customer's own first, and only those the user may see (``orders_visible_to``).
"""

from __future__ import annotations

from django.db.models import Case as SqlCase
from django.db.models import (
    Q,
    QuerySet,
    Value,
    When,
)

from crm_twitter.models import (
    Case,
    Order,
)
from crm_twitter.selectors.visibility import orders_visible_to


def _case_customer_orders_q(case: Case) -> Q:
    """Orders that belong to the case's customer: the same customer record, or the X handle the case
    came from given at checkout (orders imported before the customer was matched). Same rule as
    ``order_is_for_case_customer``."""
    q = Q(customer_id=case.customer_id)
    handle = case.customer_x_user.handle if case.customer_x_user_id else ""
    if handle:
        q |= Q(customer_handle__iexact=handle)
    return q


def order_is_for_case_customer(order: Order, *, case: Case) -> bool:
    """Whether ``order`` belongs to the case's customer (the order card says so, or says whose it is)."""
    if order.customer_id and order.customer_id == case.customer_id:
        return True
    handle = case.customer_x_user.handle if case.customer_x_user_id else ""
    return bool(handle) and order.customer_handle.lower() == handle.lower()


def _orders_for_case_first(qs: QuerySet[Order], case: Case | None) -> QuerySet[Order]:
    """Newest first, the case customer's own orders before anyone else's: a search by a carrier's
    tracking prefix or a shared e-mail domain must not put a stranger's order on top."""
    qs = qs.select_related("customer").prefetch_related("items")
    if case is None:
        return qs.order_by("-ordered_at", "-id")
    ours = SqlCase(When(_case_customer_orders_q(case), then=Value(0)), default=Value(1))
    return qs.annotate(not_case_customer=ours).order_by("not_case_customer", "-ordered_at", "-id")


def orders_search(*, user, text: str, exclude_case: Case | None = None, limit: int = 8) -> list[Order]:
    """Orders the user may link: by order number, tracking number, checkout handle or e-mail.

    Only orders the user may see (``orders_visible_to``: the API's rule) are searched, so the
    inbox cannot be used to browse other customers' orders and their personal data. Searching
    from a case (``exclude_case``) ranks that case's customer's orders first.
    """
    text = text.strip().lstrip("#@")
    if len(text) < 3:
        return []
    qs = orders_visible_to(user).filter(
        Q(order_number__iexact=text)
        | Q(order_number__istartswith=text)
        | Q(tracking_number__iexact=text)
        | Q(customer_handle__iexact=text)
        | Q(customer_email__iexact=text)
    )
    if exclude_case is not None:
        qs = qs.exclude(cases=exclude_case)
    return list(_orders_for_case_first(qs, exclude_case)[:limit])


def orders_by_numbers(*, user, numbers: list[str], exclude_case: Case | None = None, limit: int = 5) -> list[Order]:
    """Visible orders whose number or tracking number appears in the case's messages (one query),
    the case customer's own first."""
    if not numbers:
        return []
    qs = orders_visible_to(user).filter(Q(order_number__in=numbers) | Q(tracking_number__in=numbers))
    if exclude_case is not None:
        qs = qs.exclude(cases=exclude_case)
    return list(_orders_for_case_first(qs, exclude_case)[:limit])


def order_for_linking(*, user, pk: int) -> Order:
    """One order the user may link to (or unlink from) a case; raises Order.DoesNotExist otherwise,
    so an order outside the user's reach answers exactly like one that does not exist."""
    return orders_visible_to(user).get(pk=pk)
