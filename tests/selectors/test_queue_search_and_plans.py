"""Searching a queue by name, and the resolved queue narrowed to opening dates (docs/scale.md).

The name search reads names from their start first and anywhere inside only when no name starts
with the text; a page and its header count search once. The resolved queue filtered to a few
dates is read through those dates instead of walking the queue from today: what the user sees —
which cases, in which order — must not depend on which way it was read.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm_twitter.models import CaseStatus
from crm_twitter.selectors import queues
from crm_twitter.selectors.queues import CaseFilters, case_list, case_list_count, case_list_page
from tests.factories import CaseFactory, CustomerFactory, TweetFactory, UserFactory, XUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    return UserFactory(roles=["crm_supervisor"])


def case_of(name: str, **kwargs):
    """An open case whose customer (and X user) is called ``name``."""
    who = XUserFactory(name=name, customer=CustomerFactory(display_name=name))
    return CaseFactory(customer=who.customer, customer_x_user=who, status=CaseStatus.NEW, **kwargs)


def found(user, text: str, queue: str = "all_open") -> set:
    return set(case_list(user=user, queue=queue, filters={"q": text}))


def test_a_name_is_found_from_its_start_whatever_the_case(supervisor):
    david = case_of("David Tanaka")
    other_david = case_of("David Smith")
    case_of("Anna Weber")

    assert found(supervisor, "david tanaka") == {david}
    assert found(supervisor, "David") == {david, other_david}


def test_a_name_is_found_inside_when_no_name_starts_with_the_text(supervisor):
    david = case_of("David Tanaka")
    yuki = case_of("Yuki Tanaka")
    case_of("Anna Weber")

    assert found(supervisor, "Tanaka") == {david, yuki}


def test_a_surname_is_found_even_when_another_name_starts_with_it(supervisor):
    # The prefix read comes first only for speed: Anna Weber must not vanish because a customer
    # called "Weberling" exists, nor Joanne because "Anna" starts with "Ann".
    anna = case_of("Anna Weber")
    weberling = case_of("Weberling Klaus")
    joanne = case_of("Joanne Ferris")

    assert found(supervisor, "Weber") == {anna, weberling}
    assert found(supervisor, "Ann") == {anna, joanne}


def test_what_was_said_is_searched_whether_or_not_a_name_starts_with_the_text(supervisor):
    anna = case_of("Anna Weber")
    mentioned = case_of("Tom Kelly")
    TweetFactory(
        case=mentioned, author=mentioned.customer_x_user, text="@brandhelp Anna from your shop promised a refund"
    )

    assert found(supervisor, "Anna") == {anna, mentioned}


def test_a_page_and_its_header_count_search_once(supervisor):
    for i in range(4):
        case_of(f"David Number{i}")
    filters = CaseFilters.from_dict({"q": "David"})

    with CaptureQueriesContext(connection) as ctx:
        rows = case_list_page(user=supervisor, filters=filters, limit=2)
        count = case_list_count(user=supervisor, filters=filters)

    assert len(rows) == 2 and count == 4
    searches = [q["sql"] for q in ctx.captured_queries if "UNION" in q["sql"].upper()]
    assert len(searches) == 1


def test_filters_from_a_request_cannot_set_what_the_search_found():
    filters = CaseFilters.from_dict({"q": "David", "_found": "anything"})

    assert filters == CaseFilters(q="David") and filters._found == {}


@pytest.fixture
def resolved_history():
    """Resolved cases opened over ten days a year ago, resolved in an order unlike their opening."""
    start = timezone.now() - dt.timedelta(days=400)
    made = []
    for day in range(10):
        for hours in (5, 50, 1):
            opened = start + dt.timedelta(days=day, hours=day % 3)
            made.append(
                CaseFactory(
                    status=CaseStatus.RESOLVED if hours != 1 else CaseStatus.CLOSED,
                    opened_at=opened,
                    resolved_at=opened + dt.timedelta(hours=hours * (1 + day % 4)),
                )
            )
    CaseFactory(status=CaseStatus.RESOLVED, opened_at=timezone.now(), resolved_at=timezone.now())
    return start.date(), made


@pytest.mark.parametrize("narrow_up_to", [0, 15, 10_000])
def test_the_resolved_queue_over_a_date_range_lists_the_same_cases_in_the_same_order_however_read(
    supervisor, resolved_history, monkeypatch, narrow_up_to
):
    first_day, made = resolved_history
    monkeypatch.setattr(queues, "NARROW_RANGE_CASES", narrow_up_to)
    filters = {"opened_from": first_day + dt.timedelta(days=2), "opened_to": first_day + dt.timedelta(days=6)}

    listed = [row.pk for row in case_list_page(user=supervisor, queue="resolved", filters=filters, limit=100)]

    in_range = [c for c in made if filters["opened_from"] <= timezone.localdate(c.opened_at) <= filters["opened_to"]]
    newest_resolution_first = sorted(in_range, key=lambda c: (c.resolved_at, c.pk), reverse=True)
    assert listed == [c.pk for c in newest_resolution_first]
    assert len(listed) == 15
    assert case_list_count(user=supervisor, queue="resolved", filters=filters) == 15
