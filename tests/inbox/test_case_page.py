"""The case page: one timeline, side panels, presence, escaping, a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseEvent, OutboundMessage
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    DirectMessageFactory,
    OutboundMessageFactory,
    PromiseFactory,
    TweetFactory,
    UserFactory,
    XUserFactory,
)
from tests.inbox.conftest import conversation


def case_url(case, name="case"):
    return reverse(f"crm_twitter_inbox:{name}", args=[case.pk])


def test_timeline_merges_tweets_dms_notes_and_events_in_time_order(client, agent, team_case, brand_user):
    case = team_case()
    conversation(case, brand_user, tweets=2, dms=2, notes=1)
    CaseEventFactory(
        case=case, kind=CaseEvent.Kind.ESCALATED, message="Level 1 — public nudge", created_at=timezone.now()
    )
    client.force_login(agent)
    response = client.get(case_url(case))
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds == ["tweet", "tweet", "dm", "dm", "note", "event"]
    html = response.content.decode()
    assert html.index("tweet 0 where is my parcel") < html.index("dm 0: my order") < html.index("note 0")
    assert "Internal note · never sent" in html
    assert "https://x.com/i/web/status/" in html  # link to X
    assert "replying to @" in html  # threaded reply
    assert "Escalated" in html and "public nudge" in html


def test_media_thumbnails_open_full_size_and_show_evidence(client, agent, team_case, brand_user):
    case = team_case()
    conversation(case, brand_user, tweets=1, dms=1, media=1)
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    assert html.count("data-lightbox") == 2
    assert "pbs.twimg.com/media/evidence" in html
    assert "Evidence" in html


def test_side_panels_show_customer_orders_promises_sla(client, agent, team_case, order_with_items):
    who = XUserFactory(handle="pauline", name="Pauline", followers_count=52_000, location="Lyon")
    case = team_case(
        customer=who.customer, customer_x_user=who, sla_first_response_due=timezone.now() + dt.timedelta(minutes=30)
    )
    earlier = CaseFactory(customer=case.customer, reference="CS-2025-000007")
    order = order_with_items(order_number="40009999", tracking_number="RR999999999CN", carrier="La Poste")
    case.orders.add(order)
    PromiseFactory(case=case, description="Refund within 48h")
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    for text in (
        "@pauline",
        "52k",
        "Lyon",
        earlier.reference,
        "#40009999",
        "Wireless earbuds",
        "59.90 EUR",
        "La Poste",
        "RR999999999CN",
        "Refund within 48h",
        "Mark kept",
        "First response",
        "left",
    ):
        assert text in html, text


def test_order_found_in_a_dm_is_offered_for_linking(client, agent, team_case, order_with_items):
    case = team_case()
    order = order_with_items(order_number="40001234", customer=case.customer)
    order_with_items(order_number="40001235")  # another customer's, outside the agent's cases
    DirectMessageFactory(
        case=case,
        sender=case.customer_x_user,
        brand_account=case.brand_account,
        text="my order number is 40001234 (or 40001235?), thanks",
    )
    client.force_login(agent)
    response = client.get(case_url(case))
    assert [o.pk for o in response.context["found_orders"]] == [order.pk]
    assert b"Found in the messages" in response.content
    assert b"40001235" not in response.content.split(b"Found in the messages")[1]


def test_order_search_finds_by_number_tracking_or_email(client, agent, team_case, order_with_items):
    case = team_case()
    order = order_with_items(
        order_number="55501234",
        tracking_number="LP00999888777CN",
        customer_email="p@example.org",
        customer=case.customer,
    )
    client.force_login(agent)
    for term in ("55501234", "LP00999888777CN", "p@example.org", "5550"):
        response = client.get(case_url(case, "order_search"), {"order_q": term})
        assert [o.pk for o in response.context["orders"]] == [order.pk], term
    assert b"No matching order" in client.get(case_url(case, "order_search"), {"order_q": "nothing-like-it"}).content


def test_order_search_only_finds_orders_the_agent_may_see(client, agent, supervisor, team_case, order_with_items):
    """The API's rule: an agent finds the orders of their cases' customers (or already linked to
    their cases); another team's customer's order stays invisible. Supervisors find every order."""
    from tests.factories import CaseFactory, TeamFactory

    case = team_case()
    other_case = CaseFactory(team=TeamFactory())
    theirs = order_with_items(order_number="66601234", customer_email="x@example.org", customer=other_case.customer)
    linked_elsewhere = order_with_items(order_number="66605678")
    team_case().orders.add(linked_elsewhere)  # another of the agent's cases: visible
    client.force_login(agent)
    for term in ("66601234", "x@example.org", "6660"):
        response = client.get(case_url(case, "order_search"), {"order_q": term})
        assert theirs.pk not in [o.pk for o in response.context["orders"]], term
    assert [o.pk for o in client.get(case_url(case, "order_search"), {"order_q": "66605678"}).context["orders"]] == [
        linked_elsewhere.pk
    ]
    client.force_login(supervisor)
    response = client.get(case_url(case, "order_search"), {"order_q": "66601234"})
    assert [o.pk for o in response.context["orders"]] == [theirs.pk]


def test_outbound_messages_show_their_delivery_state(client, agent, team_case):
    case = team_case()
    OutboundMessageFactory(case=case, text="queued one", status=OutboundMessage.Status.QUEUED)
    OutboundMessageFactory(case=case, text="failed one", status=OutboundMessage.Status.FAILED, last_error="X said 503")
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    assert "Queued" in html and "Failed" in html and "X said 503" in html and "Retry" in html


def test_sent_message_shows_once_as_the_tweet_with_its_sent_state(client, agent, team_case, brand_user):
    case = team_case()
    tweet = TweetFactory(
        case=case, author=brand_user, direction="outbound", party="brand", text="we are on it", sent_via_desk=True
    )
    OutboundMessageFactory(
        case=case,
        text="we are on it",
        status=OutboundMessage.Status.SENT,
        x_id=tweet.x_id,
        channel=OutboundMessage.Channel.PUBLIC_REPLY,
    )
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    assert html.count("we are on it") == 1
    assert "✓ Sent" in html


def test_untrusted_text_is_shown_never_run(client, agent, team_case, brand_user):
    payloads = ["<script>alert('tweet')</script>", '<img src=x onerror="alert(1)">', "<svg onload=alert(2)>"]
    who = XUserFactory(name=payloads[1], handle="mallory", location=payloads[2])
    case = team_case(customer=who.customer, customer_x_user=who, escalation_reason=payloads[2])
    TweetFactory(case=case, author=who, text=payloads[0])
    DirectMessageFactory(case=case, sender=who, text=payloads[1])
    CaseEventFactory(case=case, kind=CaseEvent.Kind.NOTE, message=payloads[2], actor=agent)
    OutboundMessageFactory(case=case, text=payloads[0], status=OutboundMessage.Status.FAILED, last_error=payloads[1])
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html
    assert "&lt;script&gt;alert(&#x27;tweet&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;svg onload=alert(2)&gt;" in html


def test_case_page_query_count_does_not_grow_with_messages(
    client, agent, team_case, brand_user, order_with_items, django_assert_max_num_queries
):
    small = team_case()
    conversation(small, brand_user, tweets=2, dms=2, notes=1, media=1)
    big = team_case()
    conversation(big, brand_user, tweets=40, dms=40, notes=10, media=10)
    for case in (small, big):
        case.orders.add(order_with_items())
        PromiseFactory(case=case)
        OutboundMessageFactory(case=case, status=OutboundMessage.Status.FAILED)
    client.force_login(agent)
    with django_assert_max_num_queries(22):
        client.get(case_url(small))
    with django_assert_max_num_queries(22):
        response = client.get(case_url(big))
    assert len(response.context["timeline"]) >= 90


def test_second_agent_on_the_same_case_sees_the_first_and_their_typing(client, agent, team_case):
    case = team_case()
    bob = UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["crm_agent"])
    from tests.factories import TeamMembershipFactory

    TeamMembershipFactory(team=agent.crm_team, user=bob)
    client.force_login(agent)
    assert b"Only you here" in client.get(case_url(case)).content

    client.force_login(bob)
    page = client.get(case_url(case)).content.decode()
    assert f"{agent.get_full_name()} is viewing" in page

    client.force_login(agent)
    ping = client.post(case_url(case, "presence"), {"typing": "1", "v": case.version})
    assert "Bob Chen is viewing" in ping.content.decode()

    client.force_login(bob)
    ping = client.post(case_url(case, "presence"), {"typing": "0", "v": case.version})
    assert f"{agent.get_full_name()} is typing" in ping.content.decode()


def test_presence_tells_the_page_when_the_case_changed(client, agent, team_case):
    case = team_case()
    client.force_login(agent)
    assert b"updated by someone else" not in client.post(case_url(case, "presence"), {"v": case.version}).content
    type(case).objects.filter(pk=case.pk).update(version=case.version + 1)
    assert b"updated by someone else" in client.post(case_url(case, "presence"), {"v": case.version}).content


def test_presence_of_an_invisible_case_is_not_found(client, agent):
    client.force_login(agent)
    assert client.post(case_url(CaseFactory(), "presence")).status_code == 404


def test_page_offers_keyboard_shortcuts_and_labels(client, agent, team_case):
    case = team_case()
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    assert 'id="shortcuts-dialog"' in html and "<kbd>j</kbd>" in html
    assert 'aria-label="Conversation timeline"' in html
    assert 'id="take-form"' in html  # "a" submits it


def test_chinese_interface(client, agent, team_case):
    case = team_case()
    client.force_login(agent)
    html = client.get(case_url(case), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "内部备注" in html
    html = client.get(reverse("crm_twitter_inbox:queue"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "我的工单" in html


def test_a_fresh_presence_entry_is_not_rewritten_but_typing_is(agent, team_case, monkeypatch):
    from django.core.cache import cache

    from crm_twitter.inbox import presence

    case = team_case()
    clock = [1000.0]
    monkeypatch.setattr(presence.time, "time", lambda: clock[0])
    bob = UserFactory(first_name="Bob", last_name="Chen")

    def stored() -> dict:
        return cache.get(presence._key(case.pk))[str(agent.pk)]

    presence.presence_ping(case_id=case.pk, user=agent)
    clock[0] += presence.PRESENCE_REFRESH_SECONDS - 1
    presence.presence_ping(case_id=case.pk, user=agent)
    assert stored()["seen"] == 1000.0  # not rewritten
    assert [v.user_id for v in presence.presence_others(case_id=case.pk, user=bob)] == [agent.pk]

    presence.presence_ping(case_id=case.pk, user=agent, typing=True)
    assert stored()["typed"] == clock[0]
    assert presence.presence_others(case_id=case.pk, user=bob)[0].typing

    clock[0] += presence.PRESENCE_REFRESH_SECONDS
    presence.presence_ping(case_id=case.pk, user=agent)
    assert stored()["seen"] == clock[0]
    clock[0] += presence.PRESENCE_TTL_SECONDS - 1
    assert [v.user_id for v in presence.presence_others(case_id=case.pk, user=bob)] == [agent.pk]


def test_order_search_ranks_the_case_customers_orders_first_and_says_whose_each_is(
    client, agent, team_case, order_with_items
):
    """A prefix search also matches other customers' orders (the agent's other cases): the case's
    own customer comes first, and every card says whose order it is."""
    case = team_case()
    case.customer.display_name = "Priya Shah"
    case.customer.save()
    neighbour = team_case()
    neighbour.customer.display_name = "Tom Neighbour"
    neighbour.customer.save()
    now = timezone.now()
    stranger = order_with_items(
        order_number="77700002", customer=neighbour.customer, customer_handle="tom_n", ordered_at=now
    )
    own = order_with_items(order_number="77700001", customer=case.customer, ordered_at=now - dt.timedelta(days=30))
    client.force_login(agent)
    response = client.get(case_url(case, "order_search"), {"order_q": "7770"})
    assert [o.pk for o in response.context["orders"]] == [own.pk, stranger.pk]  # older, but theirs
    html = response.content.decode()
    first, second = html.split('<article class="order-card">')[1:]
    assert "This customer's order" in first and "Priya Shah" in first
    assert "Another customer's order" in second and "Tom Neighbour" in second and "@tom_n" in second


def test_order_checked_out_with_the_case_handle_counts_as_the_customers(client, agent, team_case, order_with_items):
    who = XUserFactory(handle="Priya_Buys")
    case = team_case(customer=who.customer, customer_x_user=who)
    other = team_case()
    order = order_with_items(order_number="88800001", customer=other.customer, customer_handle="priya_buys")
    client.force_login(agent)
    html = client.get(case_url(case, "order_search"), {"order_q": "88800001"}).content.decode()
    assert "This customer's order" in html and "@priya_buys" in html
    assert order.pk in [o.pk for o in client.get(case_url(case, "order_search"), {"order_q": "8880"}).context["orders"]]
