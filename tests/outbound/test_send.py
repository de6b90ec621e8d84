"""Sending the queue to the sandbox over real HTTP with real tweepy: delivery, refusals, faults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Min
from django.utils import timezone

from crm_twitter.models import (
    ApiCall,
    BrandAccount,
    CaseEvent,
    ComplaintCategory,
    DirectMessage,
    Notification,
    OutboundMessage,
    Tweet,
)
from crm_twitter.models.messages import Party
from crm_twitter.tasks.outbound import outbound_drain_task, outbound_send_task
from crm_twitter.x.outbound import outbound_drain, outbound_send
from tests.factories import OutboundMessageFactory, UserFactory
from tests.outbound.conftest import make_desk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings, sandbox):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_BACKOFF_SECONDS": 0, "OUTBOUND_MAX_BACKOFF_SECONDS": 0}


def replied_to(post: dict) -> str:
    return next(ref["id"] for ref in post.get("referenced_tweets", []) if ref["type"] == "replied_to")


def test_a_public_reply_reaches_x_under_the_customers_tweet_and_joins_the_timeline(desk, agent, sandbox):
    message = desk.compose(agent, "Sorry to hear that! Please DM us so we can check. ^AS")
    assert outbound_send_task(message.pk) == "sent"

    [post] = sandbox.state.posts
    assert post["author_id"] == desk.brand_x["id"]
    assert replied_to(post) == desk.mention.x_id
    assert post["text"] == message.text
    message.refresh_from_db()
    assert (message.status, message.x_id, message.attempts) == ("sent", post["id"], 1)
    assert message.sent_at is not None

    tweet = Tweet.objects.get(x_id=post["id"])
    assert tweet.case == desk.case and tweet.sent_via_desk and tweet.sent_by == agent
    assert (tweet.party, tweet.kind, tweet.direction) == (Party.BRAND, Tweet.Kind.REPLY, "outbound")
    assert tweet.conversation_id == desk.mention.conversation_id
    assert tweet.in_reply_to_tweet_id == desk.mention.x_id
    assert tweet.author.x_id == desk.brand_x["id"]
    sent_event = CaseEvent.objects.get(case=desk.case, kind=CaseEvent.Kind.REPLY_SENT)
    assert sent_event.data["x_id"] == post["id"] and sent_event.actor == agent
    desk.case.refresh_from_db()  # the workflow engine was told: first response, acknowledged
    assert desk.case.status == "acknowledged" and desk.case.first_response_at is not None
    # every call is in the cost ledger, linked to the case
    assert ApiCall.objects.filter(endpoint="POST /2/tweets", case=desk.case, resource_kind="reply_to_mention").exists()


def test_a_template_with_a_dm_link_is_sent_and_billed_as_a_post_with_url(desk, agent, sandbox):
    from crm_twitter.services.compose import reply_preview
    from crm_twitter.services.templates import template_choose, template_render

    template = template_choose(step="privacy_warning", language="en")
    text = template_render(template=template, case=desk.case, actor=agent)
    verdict = reply_preview(case=desk.case, channel="public", text=text)
    assert verdict.ok and verdict.resource_kind == "post_with_url" and verdict.warnings
    message = desk.compose(agent, text, template=template)
    outbound_send(message_id=message.pk)
    [post] = sandbox.state.posts
    assert f"recipient_id={desk.brand_x['id']}" in post["text"]
    call = ApiCall.objects.get(endpoint="POST /2/tweets", case=desk.case)
    assert call.resource_kind == "post_with_url" and call.cost == verdict.estimated_cost


def test_a_dm_reaches_the_customer_and_joins_the_timeline(desk, agent, sandbox):
    message = desk.compose(agent, "Could you send us your order number 40001234's photo?", channel="dm")
    outbound_send(message_id=message.pk)

    [event] = [e for e in sandbox.state.dm_events if e["sender_id"] == desk.brand_x["id"]]
    assert set(event["_participants"]) == {desk.brand_x["id"], desk.customer_x["id"]}
    assert event["text"] == message.text
    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sent", event["id"])
    dm = DirectMessage.objects.get(x_event_id=event["id"])
    assert dm.case == desk.case and dm.sent_via_desk and dm.recipient == desk.customer
    assert dm.dm_conversation_id == event["dm_conversation_id"] and dm.direction == "outbound"
    desk.case.refresh_from_db()
    assert desk.case.status == "in_dm"


def test_the_agents_own_delivered_dm_leaves_the_case_version_so_their_next_action_goes_through(desk, agent):
    """Issue #16, bug 1: the delivery used to move the version and refuse the agent's next click."""
    from crm_twitter.services.case_edits import case_set_category
    from crm_twitter.services.lifecycle import case_transition

    message = desk.compose(agent, "Could you send us a photo of the label?", channel="dm")
    desk.case.refresh_from_db()
    seen = desk.case.version  # what the agent's page shows after queueing (POST → redirect → GET)
    outbound_send(message_id=message.pk)
    desk.case.refresh_from_db()
    assert desk.case.status == "in_dm" and desk.case.version == seen
    case = case_transition(case=desk.case, to_status="pending_merchant", actor=agent, expected_version=seen)
    damaged = ComplaintCategory.objects.get(slug="damaged")
    case_set_category(case=case, actor=agent, category=damaged, expected_version=case.version)


def test_a_message_is_not_sent_twice_when_its_task_runs_twice(desk, agent, sandbox):
    message = desk.compose(agent, "On it!")
    outbound_send(message_id=message.pk)
    outbound_send(message_id=message.pk)
    outbound_drain()
    assert len(sandbox.state.posts) == 1


# --- X refuses: a stored reason, an event, a notification, never a crash -------------------------


def assert_failed_with(message, code, *words):
    message.refresh_from_db()
    assert message.status == "failed", message.last_error
    assert message.error_code == code
    for word in words:
        assert word in message.last_error
    event = CaseEvent.objects.get(case=message.case, kind=CaseEvent.Kind.REPLY_FAILED)
    assert message.last_error in event.message
    assert Notification.objects.filter(user=message.created_by, kind="send_failed", case=message.case).exists()


def test_a_reply_x_refuses_under_the_feb_2026_rule_explains_it(desk, agent, sandbox):
    no_mention = desk.customer_tweet("my cat likes the box", mentions_brand=False)
    message = OutboundMessageFactory(
        case=desk.case, channel="public_reply", in_reply_to_tweet_id=no_mention.x_id, text="Cute!", created_by=agent
    )
    outbound_send(message_id=message.pk)
    assert_failed_with(message, "reply_not_allowed", "February 2026", "DM", "mention", desk.mention.x_id)
    assert sandbox.state.posts == []


def test_a_reply_to_a_deleted_tweet_fails_with_the_reason(desk, agent, sandbox):
    message = desk.compose(agent, "Sorry about that!")
    sandbox.state.delete_tweet(desk.mention.x_id)
    outbound_send(message_id=message.pk)
    assert_failed_with(message, "not_found", "no longer exists")


def test_a_dm_the_customer_refuses_fails_and_marks_them(sandbox, agent, db):
    desk = make_desk(sandbox, customer_accepts_dms=False)
    message = desk.compose(agent, "Hello by DM", channel="dm")
    outbound_send(message_id=message.pk)
    assert_failed_with(message, "dm_not_allowed", "does not accept DMs")
    desk.customer.refresh_from_db()
    assert desk.customer.accepts_dms is False


def test_a_suspended_brand_account_fails_and_alerts_supervisors_once(desk, agent, sandbox):
    supervisor = UserFactory(username="sup", roles=["crm_supervisor"])
    first = desk.compose(agent, "First")
    second = desk.compose(agent, "Second")
    sandbox.state.suspend(desk.brand_x)
    outbound_drain()
    for message in (first, second):
        message.refresh_from_db()
        assert (message.status, message.error_code) == ("failed", "suspended")
        assert "suspended" in message.last_error
    desk.account.refresh_from_db()
    assert desk.account.sync_health == BrandAccount.SyncHealth.AUTH_FAILED
    assert Notification.objects.filter(user=supervisor, kind="sync_alert").count() == 1


def test_revoked_credentials_fail_with_an_auth_reason(desk, agent, sandbox):
    message = desk.compose(agent, "Hello")
    sandbox.state.revoke_token(sandbox.credentials(desk.brand_x)["access_token"])
    outbound_send(message_id=message.pk)
    assert_failed_with(message, "auth", "reconnect")


@pytest.mark.parametrize(("text", "code"), [("", "invalid"), ("a" * 300, "too_long")])
def test_text_x_refuses_fails_with_a_stored_reason(desk, agent, text, code):
    # compose refuses these before queueing; a message edited in the admin still ends with a reason
    message = OutboundMessageFactory(
        case=desk.case, channel="public_reply", in_reply_to_tweet_id=desk.mention.x_id, text=text, created_by=agent
    )
    outbound_send(message_id=message.pk)
    assert_failed_with(message, code)
    assert message.last_error


# X's duplicate-content refusal is evidence to check, not a failure: tests/outbound/test_ambiguous_sends.py


# --- faults: retries, backoff, rate limits, looking before resending -----------------------------


def test_a_timeout_after_x_posted_is_not_posted_twice(desk, agent, sandbox, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "HTTP_TIMEOUT_SECONDS": 0.5}
    message = desk.compose(agent, "Checking now")
    sandbox.faults.timeout_after_processing("POST /2/tweets", stall=1.5)
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.ambiguous, message.error_code) == ("queued", True, "timeout")
    assert len(sandbox.state.posts) == 1  # X did post it

    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and message.x_id == sandbox.state.posts[0]["id"]
    assert len(sandbox.state.posts) == 1
    assert len(sandbox.state.requests_to("POST /2/tweets")) == 1  # found on X, never re-posted
    assert Tweet.objects.filter(case=desk.case, sent_via_desk=True).count() == 1


def test_a_dm_dropped_after_x_took_it_is_not_sent_twice(desk, agent, sandbox):
    message = desk.compose(agent, "Your refund is on its way", channel="dm")
    sandbox.faults.timeout_after_processing("POST /2/dm_conversations/with/:id/messages")
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "queued" and message.ambiguous
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    brand_dms = [e for e in sandbox.state.dm_events if e["sender_id"] == desk.brand_x["id"]]
    assert message.status == "sent" and [e["id"] for e in brand_dms] == [message.x_id]


def test_a_connection_dropped_before_x_saw_it_is_simply_sent_again(desk, agent, sandbox):
    message = desk.compose(agent, "Hello again")
    sandbox.faults.drop_connection("POST /2/tweets")
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "queued" and sandbox.state.posts == []
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and len(sandbox.state.posts) == 1


def test_a_rate_limit_waits_for_xs_reset_time_without_using_an_attempt(desk, agent, sandbox):
    message = desk.compose(agent, "Soon")
    sandbox.faults.rate_limit("POST /2/tweets", reset_in=120)
    before = timezone.now()
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("queued", 0, "rate_limited")
    assert before + dt.timedelta(seconds=100) < message.next_attempt_at < before + dt.timedelta(seconds=130)
    assert outbound_drain() == 0  # not due yet
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbound_drain() == 1


def test_server_errors_back_off_exponentially(desk, agent, sandbox, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_BACKOFF_SECONDS": 30, "OUTBOUND_MAX_BACKOFF_SECONDS": 100}
    message = desk.compose(agent, "Retry me")
    sandbox.faults.server_error("POST /2/tweets", status=503, times=3)
    delays = []
    for _ in range(3):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        start = timezone.now()
        outbound_send(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == "queued" and message.error_code == "server_error"
        delays.append(round((message.next_attempt_at - start).total_seconds()))
    assert delays == [30, 60, 100]
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and len(sandbox.state.posts) == 1


def test_after_max_attempts_the_message_fails_with_the_reason(desk, agent, sandbox, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_MAX_ATTEMPTS": 2}
    message = desk.compose(agent, "Never arrives")
    sandbox.faults.server_error("POST /2/tweets", status=500, times=10)
    sandbox.faults.server_error("GET /2/tweets/search/recent", status=500, times=10)
    outbound_send(message_id=message.pk)
    outbound_send(message_id=message.pk)
    assert_failed_with(message, "server_error", "after 2 attempts")


def test_a_message_stuck_in_sending_is_recovered_without_a_double_post(desk, agent, sandbox):
    message = desk.compose(agent, "The worker died after posting this")
    # the dead worker's post reached X …
    already_there = sandbox.state.brand_reply(desk.brand_x, desk.mention.x_id, message.text)
    # … but it never recorded the outcome
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert outbound_drain_task() == 1
    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sent", already_there["id"])
    assert sandbox.state.requests_to("POST /2/tweets") == []  # looked on X, did not post again
    assert Tweet.objects.get(x_id=already_there["id"]).case == desk.case


def test_a_fresh_sending_claim_is_left_to_its_worker(desk, agent, sandbox):
    message = desk.compose(agent, "In flight")
    OutboundMessage.objects.filter(pk=message.pk).update(status="sending", claimed_at=timezone.now())
    assert outbound_drain() == 0
    assert sandbox.state.posts == []


def test_an_edited_retry_finds_the_old_wording_already_on_x(desk, agent, sandbox):
    from crm_twitter.services.compose import outbound_retry

    message = desk.compose(agent, "Original wording")
    sandbox.faults.timeout_after_processing("POST /2/tweets")
    outbound_send(message_id=message.pk)  # posted on X, answer lost
    OutboundMessage.objects.filter(pk=message.pk).update(status="failed")
    message.refresh_from_db()
    outbound_retry(message=message, actor=agent, text="Edited wording")
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and len(sandbox.state.posts) == 1


def test_two_hundred_messages_through_faults_become_exactly_two_hundred_posts(
    desk, agent, sandbox, settings, time_machine
):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_MAX_ATTEMPTS": 50, "HTTP_TIMEOUT_SECONDS": 0.5}
    sandbox.state.set_rate_limit("POST /2/tweets", 10_000)  # the faults decide the 429s, not the window
    messages = [desk.compose(agent, f"Update {n}: we are on it") for n in range(200)]
    fault_rounds = [
        lambda: sandbox.faults.server_error("POST /2/tweets", status=503, times=3),
        lambda: sandbox.faults.timeout_after_processing("POST /2/tweets", times=3),
        lambda: sandbox.faults.rate_limit("POST /2/tweets", reset_in=0.5, times=2),
        lambda: sandbox.faults.drop_connection("POST /2/tweets", times=3),
        lambda: sandbox.faults.timeout_after_processing("POST /2/tweets", stall=1.0, times=1),
        lambda: sandbox.faults.server_error("GET /2/tweets/search/recent", status=500, times=1),
        lambda: sandbox.faults.server_error("POST /2/tweets", status=500, times=2),
        lambda: sandbox.faults.malformed("POST /2/tweets", process=True, times=2),
    ]
    time_machine.move_to(timezone.now(), tick=True)
    for round_number in range(200):
        fault_rounds[round_number % len(fault_rounds)]()
        outbound_drain(limit=15)
        if not OutboundMessage.objects.exclude(status="sent").exists():
            break
        waiting = OutboundMessage.objects.filter(status="queued", next_attempt_at__gt=timezone.now())
        next_due = waiting.aggregate(due=Min("next_attempt_at"))["due"]
        if next_due is not None:  # backoffs and X's reset times pass at once: the clock moves, nobody sleeps
            time_machine.move_to(next_due, tick=True)

    not_sent = list(OutboundMessage.objects.exclude(status="sent").values_list("status", "error_code", "last_error"))
    assert not_sent == []
    posts = sandbox.state.posts
    assert len(posts) == 200
    assert sorted(p["text"] for p in posts) == sorted(m.text for m in messages)
    assert sorted(OutboundMessage.objects.values_list("x_id", flat=True)) == sorted(p["id"] for p in posts)
    assert Tweet.objects.filter(case=desk.case, sent_via_desk=True).count() == 200
    assert OutboundMessage.objects.filter(ambiguous=True).exists()  # the faults did bite


def test_after_a_429_the_accounts_other_send_tasks_wait_instead_of_asking_x_again(desk, agent, sandbox):
    """Compose enqueues one send task per message; once X has said "wait", the others must not each
    spend a refused request on X to learn it."""
    messages = [desk.compose(agent, f"Reply number {n}") for n in range(5)]
    sandbox.faults.rate_limit("POST /2/tweets", reset_in=120)
    for message in messages:  # the five per-message tasks, one after another
        outbound_send(message_id=message.pk)

    assert len(sandbox.state.requests_to("POST /2/tweets")) == 1
    assert sandbox.state.posts == []
    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts, message.error_code) == ("queued", 0, "rate_limited")
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    assert outbound_drain() == 5
    assert len(sandbox.state.posts) == 5
