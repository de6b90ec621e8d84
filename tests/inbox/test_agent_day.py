"""What a shift on the demo desk tripped over (issue #16): a refused reply that a reload would post
again, the survey DM signed by the agent, stale badges and menus on resolved cases."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseStatus, OutboundMessage, ReplyTemplate
from tests.factories import DirectMessageFactory, OutboundMessageFactory, ReplyTemplateFactory, TweetFactory


def url(case, name="case"):
    return reverse(f"crm_twitter_inbox:{name}", args=[case.pk])


def item_with(html: str, text: str) -> str:
    """The timeline item (``<li class="tl-item …">…</li>``) that shows ``text``."""
    return next(item for item in html.split('<li class="tl-item')[1:] if text in item)


def test_refused_reply_page_carries_the_case_url_for_the_browser_to_show(client, agent, team_case, brand):
    case = team_case(status=CaseStatus.NEW)
    TweetFactory(case=case, brand_account=brand, author=case.customer_x_user, text="@acmehelp parcel?")
    client.force_login(agent)
    response = client.post(
        url(case, "compose"),
        {"version": case.version, "channel": "public", "text": "Your refund to jane.doe@example.com is on its way"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert f'data-page-url="{url(case)}"' in html  # inbox.js replaces /compose/ with it
    assert f'name="next" value="{url(case)}"' in html  # switching language does not GET /compose/
    assert "jane.doe@example.com is on its way</textarea>" in html  # the draft is still there


def test_case_page_reached_normally_does_not_rewrite_its_url(client, agent, team_case):
    case = team_case()
    client.force_login(agent)
    assert "data-page-url" not in client.get(url(case)).content.decode()


def test_satisfaction_survey_is_shown_as_automatic_not_as_the_agents(client, agent, team_case, brand_user):
    agent.first_name, agent.last_name = "Emma", "Clarke"
    agent.save()
    case = team_case(status=CaseStatus.RESOLVED, resolved_at=timezone.now())
    survey = ReplyTemplateFactory(step=ReplyTemplate.Step.SATISFACTION, channel="dm")
    dm = DirectMessageFactory(
        case=case,
        sender=brand_user,
        direction="outbound",
        text="How did we do? Reply 1-5",
        sent_via_desk=True,
        sent_by=agent,
    )
    OutboundMessageFactory(
        case=case,
        text=dm.text,
        status=OutboundMessage.Status.SENT,
        x_id=dm.x_event_id,
        template=survey,
        created_by=agent,
    )
    OutboundMessageFactory(case=case, text="Queued survey", template=survey, created_by=agent)
    OutboundMessageFactory(case=case, text="Our own words", created_by=agent)
    client.force_login(agent)
    html = client.get(url(case)).content.decode()
    survey_item, queued_item, own_item = (
        item_with(html, text) for text in ("How did we do?", "Queued survey", "Our own")
    )
    assert "Automatic message" in survey_item and "Emma Clarke" not in survey_item
    assert "Automatic message" in queued_item and "Emma Clarke" not in queued_item
    assert "by Emma Clarke" in own_item  # the agent's own reply is still theirs


def test_resolved_case_no_longer_wears_the_escalated_badge(client, agent, team_case):
    open_case = team_case(escalation_level=2)
    resolved = team_case(escalation_level=2, status=CaseStatus.RESOLVED, resolved_at=timezone.now())
    client.force_login(agent)
    assert "Escalated · level 2" in client.get(url(open_case)).content.decode()
    html = client.get(url(resolved)).content.decode()
    assert "Escalated · level 2" not in html
    assert "Level 2" in html  # the escalation panel still tells the history


def test_reopen_menu_starts_where_the_case_would_restart(client, agent, team_case):
    now = timezone.now()
    moved = team_case(status=CaseStatus.RESOLVED, resolved_at=now, moved_to_dm_at=now, first_response_at=now)
    answered = team_case(status=CaseStatus.CLOSED, resolved_at=now, first_response_at=now)
    client.force_login(agent)
    assert '<option value="in_dm" selected>' in client.get(url(moved)).content.decode()
    html = client.get(url(answered)).content.decode()
    assert '<option value="acknowledged" selected>' in html
    assert '<option value="new" selected>' not in html
