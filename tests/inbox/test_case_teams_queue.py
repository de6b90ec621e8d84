"""A case moved to another team is in that team's Unassigned queue at once, counts included.

The browser test of the move once missed the case in agent_zh's queue; these walk the same move
through the test client with the caches the browser test's server uses (the autouse local-memory
cache: the queue's 20-second row fragments and the per-user counts), each page drawn right after
the other, so any stale cache would show here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from crm_twitter.models import CaseStatus
from tests.factories import CaseFactory, TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the counts are forgotten on commit, as in production


@pytest.fixture
def desk(db):
    fallback = TeamFactory(name="Follow-the-sun", languages=[], is_fallback=True)
    shanghai = TeamFactory(name="中文 — 上海", languages=["zh"])
    oncall = UserFactory(username="agent_oncall", roles=["crm_agent"])
    TeamMembershipFactory(team=fallback, user=oncall)
    agent_zh = UserFactory(username="agent_zh", first_name="伟", last_name="李", roles=["crm_agent"])
    TeamMembershipFactory(team=shanghai, user=agent_zh)
    supervisor = UserFactory(username="demo", roles=["crm_supervisor"])
    # Already waiting in Shanghai: the queue's row fragment is drawn (and cached) before the move.
    waiting = CaseFactory(team=shanghai, assignee=None, status=CaseStatus.NEW, language="zh")
    moved = CaseFactory(team=fallback, assignee=oncall, status=CaseStatus.NEW, language="zh")
    return (
        type(
            "Desk",
            (),
            {"shanghai": shanghai, "agent_zh": agent_zh, "oncall": oncall, "supervisor": supervisor},
        )(),
        waiting,
        moved,
    )


def unassigned_queue(client, user) -> tuple[set[str], str, str]:
    """The case links, the header's count and the nav's Unassigned count of ``user``'s queue."""
    client.force_login(user)
    html = client.get(reverse("crm_twitter_inbox:queue"), {"queue": "unassigned"}).content.decode()
    links = set(re.findall(r'class="row-link" href="(/inbox/case/\d+/)"', html))
    header = re.search(r'id="queue-title"[^>]*>[^<]*<span class="count-pill"[^>]*>([^<]*)</span>', html).group(1)
    nav = re.search(r'data-queue="unassigned">\s*<span class="queue-name">[^<]*</span>\s*<span[^>]*>([^<]*)<', html)
    return links, header, nav.group(1)


def case_url(case) -> str:
    return reverse("crm_twitter_inbox:case", args=[case.pk])


def test_a_case_moved_to_a_team_is_in_its_agents_unassigned_queue_at_once(client, desk):
    desk, waiting, moved = desk
    assert unassigned_queue(client, desk.agent_zh) == ({case_url(waiting)}, "1", "1")

    client.force_login(desk.supervisor)
    response = client.post(
        reverse("crm_twitter_inbox:move_team", args=[moved.pk]),
        {"version": moved.version, "team": desk.shanghai.pk, "reason": "The customer writes in Chinese"},
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    assert (moved.team, moved.assignee) == (desk.shanghai, None)

    # The very next page: the moved case is listed, and both counts agree with the list.
    assert unassigned_queue(client, desk.agent_zh) == ({case_url(waiting), case_url(moved)}, "2", "2")


def test_a_case_handed_to_another_teams_agent_is_in_their_counts_at_once(client, desk):
    desk, _waiting, moved = desk
    client.force_login(desk.agent_zh)
    before = client.get(reverse("crm_twitter_inbox:queue"), {"queue": "mine"})
    assert before.context["queue_count"] == 0

    client.force_login(desk.supervisor)
    client.post(
        reverse("crm_twitter_inbox:assign", args=[moved.pk]), {"version": moved.version, "assignee": desk.agent_zh.pk}
    )

    client.force_login(desk.agent_zh)
    after = client.get(reverse("crm_twitter_inbox:queue"), {"queue": "mine"})
    assert [row.pk for row in after.context["rows"]] == [moved.pk]
    assert after.context["queue_count"] == 1
