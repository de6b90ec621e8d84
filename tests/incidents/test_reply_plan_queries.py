""" "Reply to every linked customer" is planned in a fixed number of queries: an incident of 200
cases costs what one of 10 costs (the plan runs on every look at it and again under the lock
when the supervisor confirms). Each case still gets the checks a single reply gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseStatus, Party
from crm_twitter.services import incidents as svc
from crm_twitter.services.compose import reply_preview
from crm_twitter.services.templates import template_render
from tests.factories import PromiseFactory, TweetFactory, XUserFactory
from tests.incidents.page_builders import surge_incident

pytestmark = pytest.mark.django_db

# The replies already queued, the linked cases, the reply templates, the cases' orders (for the
# privacy guard), customer tweets (the reply target), the brand posts they quote, the privacy
# warning template, the open promises and latest orders (for the template's placeholders).
SERVICE_QUERIES = 9
# The API adds the user's roles and the incident.
API_QUERIES = SERVICE_QUERIES + 2


def varied_incident(cases: int):
    """Cases in four languages, some with an open promise, some flagged for private data posted
    in public, some whose only mention of the brand quotes the brand's post, a few resolved."""
    surge = surge_incident(cases=cases, languages=("pt", "en", "es", "zh"))
    brand = surge.incident.brand_account
    brand_user = XUserFactory(x_id=brand.x_user_id, handle=brand.handle)
    brand_post = TweetFactory(brand_account=brand, author=brand_user, party=Party.BRAND, text="Our shipping news")
    now = timezone.now()
    for i, case in enumerate(surge.cases):
        if i % 5 == 1:
            PromiseFactory(case=case, due_at=now + dt.timedelta(hours=i))
        if i % 5 == 2:
            case.has_private_data_in_public = True
            case.save(update_fields=["has_private_data_in_public"])
        if i % 5 == 3:
            case.tweets.all().delete()
            TweetFactory(
                brand_account=brand,
                author=case.customer_x_user,
                case=case,
                party=Party.CUSTOMER,
                text="Still waiting",
                quoted_tweet_id=brand_post.x_id,
            )
        if i % 10 == 9:
            case.status = CaseStatus.RESOLVED
            case.save(update_fields=["status"])
    return surge


def one_by_one(surge, channel: str) -> dict[int, tuple[str, Decimal, str]]:
    """What checking each case like a single reply gives (text, cost, target or the refusal)."""
    out = {}
    for reply in svc.incident_reply_plan(incident=surge.incident, channel=channel).replies:
        out[reply.case_id] = (reply.text, reply.estimated_cost, reply.in_reply_to_tweet_id)
    return out


@pytest.mark.parametrize("channel", ["public", "dm"])
@pytest.mark.parametrize("cases", [10, 200])
def test_the_plan_costs_the_same_queries_for_10_or_200_cases(cases, channel, django_assert_max_num_queries):
    surge = varied_incident(cases)

    with django_assert_max_num_queries(SERVICE_QUERIES):
        plan = svc.incident_reply_plan(incident=surge.incident, channel=channel)

    resolved = {c.pk for i, c in enumerate(surge.cases) if i % 10 == 9}
    assert {pk for pk, _reason in plan.skipped} == resolved
    assert plan.count == cases - len(resolved)


def test_each_planned_reply_is_what_a_single_reply_would_get(supervisor):
    surge = varied_incident(10)
    plan = svc.incident_reply_plan(incident=surge.incident, channel="public")
    by_case = {case.pk: case for case in surge.cases}

    for reply in plan.replies:
        case = by_case[reply.case_id]
        case.refresh_from_db()
        single = reply_preview(case=case, channel="public", text=reply.text)
        assert (reply.estimated_cost, reply.in_reply_to_tweet_id) == (
            single.estimated_cost,
            single.in_reply_to_tweet_id,
        )
        template = svc.ReplyTemplate.objects.get(pk=reply.template_id)
        assert reply.text == template_render(template=template, case=case, actor=None)
    quoting = [c for i, c in enumerate(surge.cases) if i % 5 == 3]
    # The quote of the brand's post counts as a mention: X lets the brand answer it.
    assert all(next(r for r in plan.replies if r.case_id == c.pk).in_reply_to_tweet_id for c in quoting)


@pytest.mark.parametrize("cases", [10, 200])
def test_the_plan_page_and_api_action_cost_the_same_for_10_or_200_cases(
    cases, client, supervisor, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    surge = varied_incident(cases)
    api = APIClient()
    api.force_authenticate(supervisor)
    url = f"/api/v1/incidents/{surge.incident.pk}/reply-plan/"

    with django_assert_max_num_queries(API_QUERIES):
        response = api.post(url, {"channel": "public"}, format="json")
    assert response.status_code == 200 and response.json()["count"] == cases - cases // 10

    client.force_login(supervisor)
    page = reverse("crm_twitter_inbox:incident", args=[surge.incident.pk])
    # The page itself (tests/incidents/test_pages.py) plus the plan.
    with django_assert_max_num_queries(21 + SERVICE_QUERIES):
        response = client.get(page, {"reply_channel": "public", "reply_template": ""})
    assert response.status_code == 200 and response.context["reply_plan"]["plan"].count == cases - cases // 10
