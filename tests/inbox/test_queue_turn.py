"""Issue #16: the queue says whose turn it is and shows the customer's own last words, not the
brand's reply (in the same fixed number of queries)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseStatus, Direction
from tests.factories import DirectMessageFactory, TweetFactory

QUEUE = reverse("crm_twitter_inbox:queue")


def row_of(html: str, case) -> str:
    return re.search(
        rf'<tr class="case-row[^"]*" data-href="[^"]*" data-case="{case.pk}">(.*?)</tr>', html, re.S
    ).group(1)


def test_rows_say_whose_turn_it_is_and_what_the_customer_said_last(client, agent, team_case, brand, brand_user):
    now = timezone.now()
    answered = team_case(
        status=CaseStatus.IN_DM,
        assignee=agent,
        last_customer_message_at=now - dt.timedelta(hours=2),
        last_agent_message_at=now - dt.timedelta(hours=1),
        last_message_preview="Thanks, we are checking with the carrier.",  # the brand's own reply
    )
    who = answered.customer_x_user
    TweetFactory(
        case=answered,
        brand_account=brand,
        author=who,
        text="@acmehelp parcel lost",
        created_at=now - dt.timedelta(hours=3),
    )
    DirectMessageFactory(
        case=answered,
        brand_account=brand,
        sender=who,
        text="Order 40001234, still nothing",
        created_at=now - dt.timedelta(hours=2),
    )
    DirectMessageFactory(
        case=answered,
        brand_account=brand,
        sender=brand_user,
        direction=Direction.OUTBOUND,
        text="Thanks, we are checking with the carrier.",
        created_at=now - dt.timedelta(hours=1),
    )
    waiting = team_case(
        status=CaseStatus.ACKNOWLEDGED,
        assignee=agent,
        last_customer_message_at=now - dt.timedelta(minutes=5),
        last_agent_message_at=now - dt.timedelta(hours=1),
    )
    TweetFactory(
        case=waiting,
        brand_account=brand,
        author=waiting.customer_x_user,
        text="@acmehelp hello?? anyone",
        created_at=now - dt.timedelta(minutes=5),
    )

    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "mine"}).content.decode()
    first, second = row_of(html, answered), row_of(html, waiting)
    assert "Waiting on the customer" in first and "Order 40001234, still nothing" in first
    assert "checking with the carrier" not in first
    assert "Waiting on us" in second and "hello?? anyone" in second


def test_the_turn_follows_the_status_when_it_says_so(client, agent, team_case):
    now = timezone.now()
    team_case(status=CaseStatus.AWAITING_CUSTOMER, assignee=agent, last_customer_message_at=now)
    team_case(status=CaseStatus.PENDING_MERCHANT, assignee=agent, last_agent_message_at=now)
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "mine"}).content.decode()
    assert html.count('class="turn turn-customer"') == 1 and html.count('class="turn turn-us"') == 1
