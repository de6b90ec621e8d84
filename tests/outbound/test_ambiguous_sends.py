"""Ambiguous sends (issue #15, item 3): a reply that may have reached X is looked up by what X
answers exactly — its own id, or the conversation it replied into — and never posted twice, nor
failed with advice that would post it twice. Real tweepy against the HTTP sandbox, with faults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import CaseEvent, OutboundMessage, Tweet
from crm_twitter.x import outbound
from crm_twitter.x.outbound import outbound_claims_expire, outbound_drain, outbound_send

pytestmark = pytest.mark.django_db

SEARCH = "GET /2/tweets/search/recent"
POST = "POST /2/tweets"
DM_LOOKUP = "GET /2/dm_conversations/with/:id/dm_events"


@pytest.fixture(autouse=True)
def _fast_retries(settings, sandbox):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_BACKOFF_SECONDS": 0, "OUTBOUND_MAX_BACKOFF_SECONDS": 0}


def _due_now(message: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def _timed_out_after_posting(desk, agent, sandbox, text: str) -> OutboundMessage:
    """X creates the reply, but the answer never comes back: the message is ambiguous."""
    message = desk.compose(agent, text)
    sandbox.faults.timeout_after_processing(POST)
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.ambiguous) == ("queued", True)
    assert len(sandbox.state.posts) == 1  # X did post it
    return message


def test_a_reply_behind_hundreds_of_busier_posts_is_found_in_its_conversation_not_posted_twice(desk, agent, sandbox):
    """The probe's case: 301 brand posts between the lost answer and the retry."""
    message = _timed_out_after_posting(desk, agent, sandbox, "Checking with the carrier now")
    for n in range(301):
        sandbox.state.tweet(desk.brand_x, f"Flash sale update number {n}")

    outbound_send(message_id=message.pk)

    message.refresh_from_db()
    [post] = sandbox.state.posts
    assert (message.status, message.x_id) == ("sent", post["id"])
    assert len(sandbox.state.requests_to(POST)) == 1  # never re-posted
    [search] = sandbox.state.requests_to(SEARCH)
    assert f"from:{desk.brand_x['id']}" in search["query"]["query"]
    assert f"conversation_id:{desk.mention.conversation_id}" in search["query"]["query"]
    event = CaseEvent.objects.get(case=desk.case, kind=CaseEvent.Kind.REPLY_SENT)
    assert event.data["found_on_x"] is True
    assert Tweet.objects.filter(case=desk.case, sent_via_desk=True).count() == 1


def test_the_same_words_already_under_the_same_post_are_recorded_as_the_delivery(desk, agent, sandbox):
    """X refuses the duplicate; the desk checks, finds the brand's reply there and does not fail."""
    already = sandbox.state.brand_reply(desk.brand_x, desk.mention.x_id, "Same words")
    message = desk.compose(agent, "Same words")
    outbound_send(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sent", already["id"])
    assert sandbox.state.posts == []
    assert not CaseEvent.objects.filter(case=desk.case, kind=CaseEvent.Kind.REPLY_FAILED).exists()


def test_words_posted_in_another_conversation_fail_with_advice_to_personalise_as_nothing_was_posted(
    desk, agent, sandbox
):
    other_customer = sandbox.state.add_user("bob_buys")
    elsewhere = sandbox.state.customer_tweet(other_customer, "@shophelp where is my refund")
    sandbox.state.brand_reply(desk.brand_x, elsewhere["id"], "Sorry for the trouble, we are on it")
    message = desk.compose(agent, "Sorry for the trouble, we are on it")
    outbound_send(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "duplicate")
    assert "was not posted" in message.last_error and "Personalise" in message.last_error
    assert sandbox.state.posts == []


def test_while_xs_search_lags_a_duplicate_refusal_waits_and_looks_again_instead_of_failing(desk, agent, sandbox):
    sandbox.state.search_index_lag = 60  # the lost reply is on X, not yet in search
    message = _timed_out_after_posting(desk, agent, sandbox, "We have asked the warehouse")

    outbound_send(message_id=message.pk)  # search misses it, the re-post is refused as a duplicate
    message.refresh_from_db()
    assert (message.status, message.error_code, message.ambiguous) == ("queued", "duplicate_unconfirmed", True)
    assert "Edit" not in message.last_error and "nothing is posted" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert not CaseEvent.objects.filter(case=desk.case, kind=CaseEvent.Kind.REPLY_FAILED).exists()

    sandbox.state.advance(61)  # X's index caught up
    _due_now(message)
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sent", sandbox.state.posts[0]["id"])
    assert len(sandbox.state.posts) == 1


def test_an_unconfirmed_duplicate_at_the_last_attempt_fails_without_advising_an_edit(desk, agent, sandbox, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_MAX_ATTEMPTS": 2}
    sandbox.state.search_index_lag = 3600
    message = _timed_out_after_posting(desk, agent, sandbox, "A refund of 20 EUR is on its way")
    outbound_send(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "duplicate_unconfirmed")
    assert "edit" not in message.last_error.lower().replace("edited or not", "")
    assert "send nothing" in message.last_error and desk.mention.x_id in message.last_error
    assert len(sandbox.state.posts) == 1


def test_a_reply_whose_outcome_was_never_recorded_is_found_by_the_id_x_returned(desk, agent, sandbox, monkeypatch):
    message = desk.compose(agent, "Your replacement ships today")

    def database_trouble(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(outbound, "_store_tweet", database_trouble)
    with pytest.raises(RuntimeError):
        outbound_send(message_id=message.pk)  # X answered with the id; recording the outcome failed
    monkeypatch.undo()
    [post] = sandbox.state.posts
    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sending", post["id"])

    later = timezone.now() + dt.timedelta(hours=1)
    assert outbound_claims_expire(now=later) == 1
    _due_now(message)
    assert outbound_drain() == 1

    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sent", post["id"])
    assert len(sandbox.state.requests_to(POST)) == 1
    assert sandbox.state.requests_to(SEARCH) == []  # its own id answered exactly
    assert Tweet.objects.get(x_id=post["id"]).case == desk.case


def test_an_ambiguous_dm_waits_for_the_lookup_window_without_holding_up_the_accounts_other_sends(desk, agent, sandbox):
    first_dm = desk.compose(agent, "Your refund is on its way", channel="dm")
    second_dm = desk.compose(agent, "Here is the return label", channel="dm")
    sandbox.faults.timeout_after_processing("POST /2/dm_conversations/with/:id/messages", times=2)
    outbound_send(message_id=first_dm.pk)
    outbound_send(message_id=second_dm.pk)
    reply = desk.compose(agent, "We answered you by DM")
    now = timezone.now()
    # the ambiguous DMs come first in the queue, the public reply after them
    OutboundMessage.objects.filter(pk=first_dm.pk).update(next_attempt_at=now - dt.timedelta(seconds=3))
    OutboundMessage.objects.filter(pk=second_dm.pk).update(next_attempt_at=now - dt.timedelta(seconds=2))
    OutboundMessage.objects.filter(pk=reply.pk).update(next_attempt_at=now - dt.timedelta(seconds=1))
    sandbox.faults.rate_limit(DM_LOOKUP, reset_in=900)

    assert outbound_drain() == 1

    reply.refresh_from_db()
    assert reply.status == "sent"  # not held up by the DM lookup limit
    for dm in (first_dm, second_dm):
        dm.refresh_from_db()
        assert (dm.status, dm.error_code, dm.attempts) == ("queued", "lookup_rate_limited", 1)
        assert now + dt.timedelta(seconds=850) < dm.next_attempt_at < now + dt.timedelta(seconds=950)
    assert len(sandbox.state.requests_to(DM_LOOKUP)) == 1  # the second DM did not knock again

    OutboundMessage.objects.filter(pk__in=[first_dm.pk, second_dm.pk]).update(next_attempt_at=timezone.now())
    assert outbound_drain() == 2  # the window passed: both found on X
    brand_dms = [e for e in sandbox.state.dm_events if e["sender_id"] == desk.brand_x["id"]]
    assert len(brand_dms) == 2
    assert sorted(OutboundMessage.objects.filter(channel="dm").values_list("x_id", flat=True)) == sorted(
        e["id"] for e in brand_dms
    )
