"""Issue #15 (2): no admin page shows a staff agent another team's rows.

A staff agent of one team is given every ``view_`` permission there is (the most a deployment
could grant), then walks every registered admin model: its change list, a search for the other
team's data, and a change page. Nothing of the other team may appear, and the other team's rows
answer 404; the agent's own team's rows stay reachable, so the walk proves more than "the admin
shows nothing".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm_twitter import models as m
from crm_twitter.admin.visibility import DeskWideMixin, VisibleRowsMixin
from tests import factories as f

# Every crm_twitter admin is one of these (see crm_twitter/admin/visibility.py).
TEAM_SCOPED = {
    m.Case,
    m.CaseEvent,
    m.CaseOutcome,
    m.Promise,
    m.OutboundMessage,
    m.Tweet,
    m.DirectMessage,
    m.Media,
    m.Customer,
    m.XUser,
    m.Order,
    m.OrderItem,
    m.Notification,
    m.CategoryLabel,
    m.EvidencePack,
}
DESK_WIDE = {
    m.ApiCall,
    m.BilledResource,
    m.ReportSnapshot,
    m.WebhookDelivery,
    m.Incident,
    m.IncidentCase,
    m.IncidentEvent,
}
SHARED_SETUP = {
    m.BrandAccount,
    m.ComplaintCategory,
    m.ReplyTemplate,
    m.Team,
    m.TeamMembership,
    m.SlaPolicy,
    m.ExchangeRate,
    m.CategoryModel,
    m.ApiToken,
    m.UserPreferences,  # a person's language and time zone: nothing of a team's cases
}

ALL_ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@dataclass
class Story:
    """One team's case with a row of every team-scoped kind, each carrying ``tag`` in its text."""

    tag: str
    rows: dict[type, object] = field(default_factory=dict)

    @property
    def markers(self) -> list[str]:
        return [self.tag, self.tag.upper()]


def team_story(team: m.Team, member, tag: str) -> Story:
    story = Story(tag)
    customer = f.CustomerFactory(display_name=f"{tag} Customer", email=f"{tag}@example.org")
    buyer = f.XUserFactory(handle=f"{tag}_buyer", name=f"{tag} Buyer", customer=customer)
    bystander = f.XUserFactory(handle=f"{tag}_friend", name=f"{tag} Friend", customer=None)
    case = f.CaseFactory(
        team=team, customer=customer, customer_x_user=buyer, reference=f"CS-{tag.upper()}", last_message_preview=tag
    )
    order = f.OrderFactory(
        customer=customer,
        order_number=f"{tag}-order",
        payment_reference=f"PAY-{tag}",
        tracking_number=f"TRK-{tag}",
        customer_email=f"{tag}@example.org",
    )
    case.orders.add(order)
    tweet = f.TweetFactory(case=case, brand_account=case.brand_account, author=bystander, text=f"{tag} tweet")
    dm = f.DirectMessageFactory(case=case, brand_account=case.brand_account, sender=buyer, text=f"{tag} dm")
    story.rows = {
        m.Case: case,
        m.Customer: customer,
        m.XUser: bystander,  # seen only as the author of a tweet in the case
        m.Order: order,
        m.OrderItem: f.OrderItemFactory(order=order, sku=f"SKU-{tag}", title=f"{tag} gadget"),
        m.Tweet: tweet,
        m.DirectMessage: dm,
        m.Media: f.MediaFactory(tweet=tweet, media_key=f"3_{tag}", alt_text=f"{tag} photo"),
        m.CaseEvent: f.CaseEventFactory(case=case, message=f"{tag} event"),
        m.CaseOutcome: m.CaseOutcome.objects.create(
            case=case,
            outcome="refund",
            refund_amount=5,
            refund_currency="EUR",
            note=f"{tag} refund",
            recorded_at=case.opened_at,
        ),
        m.Promise: f.PromiseFactory(case=case, description=f"{tag} promise"),
        m.OutboundMessage: f.OutboundMessageFactory(case=case, text=f"{tag} outbound"),
        m.Notification: f.NotificationFactory(case=case, user=member, message=f"{tag} notification"),
        m.CategoryLabel: f.CategoryLabelFactory(case=case, text=f"{tag} label"),
        m.EvidencePack: m.EvidencePack.objects.create(
            case=case, requested_by=member, status="ready", error=f"{tag} pack", zip_file=f"{tag}.zip"
        ),
        m.ApiCall: m.ApiCall.objects.create(
            account=case.brand_account, case=case, endpoint="GET /2/tweets/:id", status_code=200, error=f"{tag} err"
        ),
        m.Incident: m.Incident.objects.create(
            brand_account=case.brand_account,
            title=f"{tag} incident",
            dimension_key=f"carrier={tag}",
            window_hours=1,
            opened_at=case.opened_at,
            root_cause=f"{tag} cause",
        ),
    }
    incident = story.rows[m.Incident]
    story.rows[m.IncidentCase] = m.IncidentCase.objects.create(incident=incident, case=case, linked_at=case.opened_at)
    story.rows[m.IncidentEvent] = m.IncidentEvent.objects.create(
        incident=incident, kind="opened", message=f"{tag} incident event", created_at=case.opened_at
    )
    return story


@pytest.fixture
def desk(db):
    own_team = f.TeamFactory(name="Berlin desk", slug="berlin")
    other_team = f.TeamFactory(name="Tokyo desk", slug="tokyo", languages=["ja"])
    agent = f.UserFactory(username="walker", is_staff=True, roles=["crm_agent"])
    f.TeamMembershipFactory(user=agent, team=own_team)
    agent.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    colleague = f.UserFactory(username="tokyo_agent", roles=["crm_agent"])
    f.TeamMembershipFactory(user=colleague, team=other_team)
    own = team_story(own_team, agent, "zqown")
    other = team_story(other_team, colleague, "zqoth")
    # A notification about no case, for someone else (a sync alert to a supervisor).
    other.rows[m.Notification] = f.NotificationFactory(
        case=None, user=colleague, kind=m.Notification.Kind.SYNC_ALERT, message="zqoth sync alert"
    )
    # Rows for the desk-wide and shared admins' change pages.
    f.ReportSnapshotFactory()
    f.ExchangeRateFactory()
    f.CategoryModelFactory()
    m.BilledResource.objects.create(account=own.rows[m.Case].brand_account, day="2026-11-01", kind="post_read")
    m.ApiToken.generate(user=colleague, name="tokyo import")
    m.WebhookDelivery.objects.create(
        body='{"data": {"event_type": "post.mention.create"}}',
        body_sha256="0" * 64,
        signature_verified=True,
        format="xaa",
        event_uuid="zqoth-delivery",
        event_types=["post.mention.create"],
        account=other.rows[m.Case].brand_account,
        outcome="processed",
    )
    m.UserPreferences.objects.create(user=colleague, language="ja")
    return {"agent": agent, "own": own, "other": other}


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def assert_nothing_of(story: Story, page: str, where: str) -> None:
    for marker in story.markers:
        assert marker not in page, f"{where} shows {marker!r}"


def test_every_crm_twitter_admin_is_classified_and_built_on_the_matching_rule():
    registered = {model for model in admin.site._registry if model._meta.app_label == "crm_twitter"}
    assert registered == TEAM_SCOPED | DESK_WIDE | SHARED_SETUP, "classify the new admin above"
    for model in TEAM_SCOPED:
        assert isinstance(admin.site._registry[model], VisibleRowsMixin), model.__name__
    for model in DESK_WIDE:
        assert isinstance(admin.site._registry[model], DeskWideMixin), model.__name__


@pytest.mark.parametrize("model", ALL_ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_a_staff_agent_sees_nothing_of_another_team_on_any_admin_page(client, desk, model):
    agent, own, other = desk["agent"], desk["own"], desk["other"]
    client.force_login(agent)

    listing = client.get(changelist_url(model))
    assert listing.status_code in (200, 403), listing.status_code
    assert_nothing_of(other, listing.content.decode(), f"{model.__name__} change list")

    if model in DESK_WIDE:
        assert listing.status_code == 403
        row = other.rows.get(model) or model.objects.order_by("pk").first()
        assert client.get(change_url(row)).status_code == 403
        return

    if model in TEAM_SCOPED:
        assert listing.status_code == 200
        page = listing.content.decode()
        assert change_url(own.rows[model]) in page, "the agent's own team's row is listed"
        assert change_url(other.rows[model]) not in page
        searched = client.get(changelist_url(model), {"q": other.tag})
        assert searched.context["cl"].result_count == 0  # the page echoes the search term itself
        assert change_url(other.rows[model]) not in searched.content.decode()

        assert client.get(change_url(own.rows[model])).status_code == 200
        for view in ("change", "history", "delete"):
            url = reverse(f"admin:crm_twitter_{model._meta.model_name}_{view}", args=[other.rows[model].pk])
            assert client.get(url).status_code == 404, (view, url)
        return

    row = model.objects.order_by("pk").first()
    if row is not None:
        response = client.get(change_url(row))
        assert response.status_code in (200, 403)
        assert_nothing_of(other, response.content.decode(), f"{model.__name__} change page")


def test_the_own_case_page_shows_its_story_and_links_only_to_visible_rows(client, desk):
    agent, own, other = desk["agent"], desk["own"], desk["other"]
    client.force_login(agent)
    page = client.get(change_url(own.rows[m.Case])).content.decode()
    assert own.tag in page
    assert_nothing_of(other, page, "own case page")


def test_autocomplete_offers_only_visible_orders_and_customers(client, desk):
    agent, own = desk["agent"], desk["own"]
    client.force_login(agent)
    orders = client.get(
        "/admin/autocomplete/",
        {"app_label": "crm_twitter", "model_name": "case", "field_name": "orders", "term": "zq"},
    ).json()["results"]
    assert [row["id"] for row in orders] == [str(own.rows[m.Order].pk)]
    customers = client.get(
        "/admin/autocomplete/",
        {"app_label": "crm_twitter", "model_name": "order", "field_name": "customer", "term": "zq"},
    ).json()["results"]
    assert [row["id"] for row in customers] == [str(own.rows[m.Customer].pk)]


def test_another_teams_order_cannot_be_linked_from_the_case_form(rf, desk):
    agent, own, other = desk["agent"], desk["own"], desk["other"]
    request = rf.get("/")
    request.user = agent
    case_admin = admin.site._registry[m.Case]
    form_class = case_admin.get_form(request, own.rows[m.Case])
    form = form_class(
        data={"orders": [other.rows[m.Order].pk], "language": "en", "priority": "normal"}, instance=own.rows[m.Case]
    )
    assert not form.is_valid()
    assert "orders" in form.errors
    assert set(form.fields["orders"].queryset) == {own.rows[m.Order]}


def test_a_supervisor_still_sees_both_teams(client, desk):
    supervisor = f.UserFactory(username="sam", is_staff=True, roles=["crm_supervisor"])
    client.force_login(supervisor)
    page = client.get(changelist_url(m.Order)).content.decode()
    assert change_url(desk["own"].rows[m.Order]) in page
    assert change_url(desk["other"].rows[m.Order]) in page
    assert client.get(change_url(desk["other"].rows[m.Order])).status_code == 200


def test_the_spend_page_naming_every_teams_cases_is_refused_to_an_agent(client, desk):
    client.force_login(desk["agent"])
    assert client.get(reverse("admin:crm_twitter_apicall_spend")).status_code == 403
    manager = f.UserFactory(username="maria", is_staff=True, roles=["crm_manager"])
    client.force_login(manager)
    page = client.get(reverse("admin:crm_twitter_apicall_spend"))
    assert page.status_code == 200
    assert desk["other"].rows[m.Case].reference in page.content.decode()
