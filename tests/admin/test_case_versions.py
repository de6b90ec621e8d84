"""The admin's case form carries the version it was drawn from; every service it calls checks it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm_twitter.models import Case, CaseEvent, ComplaintCategory
from crm_twitter.services.case_edits import case_edit
from tests.factories import CaseFactory, OrderFactory, UserFactory

INLINES = ("tweets", "direct_messages", "promises", "outbound_messages", "events")


def _form(case: Case, **changes) -> dict:
    data = {
        "assignee": "",
        "category": "",
        "language": case.language,
        "priority": case.priority,
        "requested_remedy": "",
        "orders": [],
        "expected_version": case.version,
        **changes,
    }
    for prefix in INLINES:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.mark.parametrize("field", ["category", "orders"])
def test_a_category_or_order_change_from_an_outdated_admin_page_is_refused(admin_client, db, field):
    case = CaseFactory()
    url = reverse("admin:crm_twitter_case_change", args=[case.pk])
    changes = {
        "category": {"category": ComplaintCategory.objects.get(slug="damaged").pk},
        "orders": {"orders": [OrderFactory(customer=case.customer).pk]},
    }[field]
    data = _form(case, **changes)
    case_edit(case=case, actor=UserFactory(first_name="Bob", last_name="Chen"), language="de")
    response = admin_client.post(url, data, follow=True)
    html = response.content.decode()
    assert "Not saved: Bob Chen changed this case while you were looking at it." in html
    case.refresh_from_db()
    assert case.category is None and not case.orders.exists()
    assert not CaseEvent.objects.filter(case=case, kind__in=["category_set", "order_linked"]).exists()


def test_the_same_change_from_a_current_page_is_saved(admin_client, db):
    case = CaseFactory()
    url = reverse("admin:crm_twitter_case_change", args=[case.pk])
    damaged = ComplaintCategory.objects.get(slug="damaged")
    order = OrderFactory(customer=case.customer)
    response = admin_client.post(url, _form(case, category=damaged.pk, orders=[order.pk], language="fr"))
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.category == damaged and list(case.orders.all()) == [order] and case.language == "fr"
