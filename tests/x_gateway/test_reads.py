"""Reads through the gateway: real tweepy, real HTTP, the sandbox answering like X."""

import datetime as dt

import pytest

from crm_twitter.x.errors import XAuthError
from crm_twitter.x.gateway import XGateway


def test_get_me_returns_the_profile_and_learns_the_user_id(sandbox, brand, calls):
    gateway = XGateway(credentials=sandbox.credentials(brand), base_url=sandbox.base_url, on_call=calls.append)

    me = gateway.get_me()

    assert me["username"] == "AcmeHelp"
    assert me["public_metrics"]["followers_count"] == 25_000
    assert gateway.x_user_id == brand["id"]
    assert calls[0].endpoint == "GET /2/users/me"
    assert calls[0].resource_kind == "user_read"
    assert calls[0].resource_ids == (brand["id"],)
    assert calls[0].rate_limit.limit == 75
    assert calls[0].rate_limit.remaining == 74


def test_the_base_url_setting_decides_where_requests_go(sandbox, brand, settings):
    gateway = XGateway(credentials=sandbox.credentials(brand), x_user_id=brand["id"])

    gateway.get_me()

    assert settings.CRM_TWITTER["API_BASE_URL"] == sandbox.base_url
    assert sandbox.state.request_log[-1]["endpoint"] == "GET /2/users/me"


def test_mentions_come_with_fields_expansions_and_meta(sandbox, brand, alice, gateway, calls):
    tweet = sandbox.state.customer_tweet(alice, "@AcmeHelp parcel never arrived, order 12345678", media=["crushed box"])

    page = gateway.get_mentions(brand["id"])

    assert [t["id"] for t in page.data] == [tweet["id"]]
    item = page.data[0]
    assert item["author_id"] == alice["id"]
    assert item["conversation_id"] == tweet["id"]
    assert item["entities"]["mentions"][0]["username"] == "AcmeHelp"
    assert item["created_at"].endswith("Z") and len(item["created_at"]) == 24
    assert item["attachments"]["media_keys"] == [page.includes["media"][0]["media_key"]]
    assert page.includes["media"][0]["alt_text"] == "crushed box"
    users = {u["id"]: u for u in page.includes["users"]}
    assert users[alice["id"]]["location"] == "Leeds"
    assert users[alice["id"]]["public_metrics"]["followers_count"] == 1200
    assert page.meta == {"result_count": 1, "newest_id": tweet["id"], "oldest_id": tweet["id"]}
    assert page.next_token is None
    assert calls[-1].endpoint == "GET /2/users/:id/mentions"
    assert calls[-1].resource_kind == "owned_read"
    assert calls[-1].resource_ids == (tweet["id"],)


def test_250_mentions_take_three_pages_then_since_id_finds_nothing_new(sandbox, brand, alice, gateway, calls):
    posted = [sandbox.state.customer_tweet(alice, f"@AcmeHelp where is order {n}?") for n in range(250)]

    pages, token = [], None
    while True:
        page = gateway.get_mentions(brand["id"], pagination_token=token)
        pages.append(page)
        token = page.next_token
        if not token:
            break

    assert [len(p.data) for p in pages] == [100, 100, 50]
    seen = [t["id"] for p in pages for t in p.data]
    assert seen == [t["id"] for t in reversed(posted)]  # newest first, nothing twice
    assert pages[0].meta["newest_id"] == posted[-1]["id"]

    again = gateway.get_mentions(brand["id"], since_id=pages[0].meta["newest_id"])

    assert again.data == []
    assert again.meta == {"result_count": 0}
    assert len(calls) == 4
    assert sandbox.state.resources_served["owned_read"] == 250


def test_since_id_returns_only_newer_mentions(sandbox, brand, alice, gateway):
    first = sandbox.state.customer_tweet(alice, "@AcmeHelp one")
    second = sandbox.state.customer_tweet(alice, "@AcmeHelp two")

    page = gateway.get_mentions(brand["id"], since_id=first["id"])

    assert [t["id"] for t in page.data] == [second["id"]]


def test_only_the_latest_800_mentions_are_reachable(sandbox, brand, alice, gateway):
    sandbox.state.mentions_window = 30  # X's 800, scaled down to keep the test fast
    posted = [sandbox.state.customer_tweet(alice, f"@AcmeHelp ping {n}") for n in range(40)]

    seen, token = [], None
    while True:
        page = gateway.get_mentions(brand["id"], pagination_token=token, max_results=10)
        seen += [t["id"] for t in page.data]
        token = page.next_token
        if not token:
            break

    assert len(seen) == 30
    assert posted[9]["id"] not in seen
    assert posted[10]["id"] in seen


def test_own_posts_timeline_is_an_owned_read(sandbox, brand, alice, gateway, calls):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp hello")
    reply = sandbox.state.brand_reply(brand, mention, "@alice_buys hi! Please DM us.")

    page = gateway.get_user_posts(brand["id"])

    assert [t["id"] for t in page.data] == [reply["id"]]
    assert page.data[0]["referenced_tweets"] == [{"type": "replied_to", "id": mention["id"]}]
    assert page.data[0]["in_reply_to_user_id"] == alice["id"]
    assert calls[-1].resource_kind == "owned_read"


def test_tweet_lookup_reports_deleted_tweets_as_not_found_errors(sandbox, brand, alice, gateway, calls):
    kept = sandbox.state.customer_tweet(alice, "@AcmeHelp still here")
    gone = sandbox.state.customer_tweet(alice, "@AcmeHelp oops, deleting this")
    sandbox.state.delete_tweet(gone)

    page = gateway.get_tweets([kept["id"], gone["id"]])

    assert [t["id"] for t in page.data] == [kept["id"]]
    assert page.errors[0]["resource_id"] == gone["id"]
    assert page.errors[0]["type"].endswith("/resource-not-found")
    assert calls[-1].resource_kind == "post_read"
    assert calls[-1].resource_ids == (kept["id"],)


def test_tweet_lookup_of_more_than_100_ids_is_split_into_requests(sandbox, brand, alice, gateway, calls):
    ids = [sandbox.state.customer_tweet(alice, f"@AcmeHelp n{n}")["id"] for n in range(120)]

    page = gateway.get_tweets(ids)

    assert len(page.data) == 120
    assert [c.endpoint for c in calls] == ["GET /2/tweets", "GET /2/tweets"]


def test_a_conversation_search_bills_own_posts_and_others_separately(sandbox, brand, alice, gateway, calls):
    root = sandbox.state.customer_tweet(alice, "@AcmeHelp my blender arrived broken")
    reply = sandbox.state.brand_reply(brand, root, "@alice_buys so sorry, DM us please")
    nosy = sandbox.state.add_user("nosy_neighbour")
    third = sandbox.state.customer_tweet(nosy, "@alice_buys @AcmeHelp same here!", in_reply_to=reply)
    sandbox.state.customer_tweet(alice, "@AcmeHelp unrelated new thread")

    page = gateway.search_conversation(root["id"])

    assert {t["id"] for t in page.data} == {root["id"], reply["id"], third["id"]}
    assert {t["conversation_id"] for t in page.data} == {root["id"]}
    by_kind = {c.resource_kind: set(c.resource_ids) for c in calls}
    assert by_kind == {"post_read": {root["id"], third["id"]}, "owned_read": {reply["id"]}}
    assert sandbox.state.resources_served["owned_read"] == 1
    assert sandbox.state.resources_served["post_read"] == 2


def test_conversation_search_paginates_with_next_token(sandbox, brand, alice, gateway):
    root = sandbox.state.customer_tweet(alice, "@AcmeHelp thread start")
    parent = root
    for n in range(120):
        parent = sandbox.state.customer_tweet(alice, f"@AcmeHelp more {n}", in_reply_to=parent)

    first = gateway.search_conversation(root["id"])
    second = gateway.search_conversation(root["id"], pagination_token=first.next_token)

    assert len(first.data) == 100
    assert len(second.data) == 21
    assert second.next_token is None


def test_conversation_search_from_the_brand_by_id_finds_its_replies_in_that_thread_only(sandbox, brand, alice, gateway):
    root = sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel is lost")
    ours = sandbox.state.brand_reply(brand, root, "@alice_buys we are checking")
    sandbox.state.customer_tweet(alice, "@AcmeHelp thanks", in_reply_to=ours)
    other = sandbox.state.customer_tweet(alice, "@AcmeHelp another thread")
    sandbox.state.brand_reply(brand, other, "@alice_buys elsewhere")
    sandbox.state.users[brand["id"]]["username"] = "AcmeCare"  # a rename does not change the id

    page = gateway.search_conversation(root["id"], from_user_id=brand["id"])

    assert [t["id"] for t in page.data] == [ours["id"]]
    [request] = sandbox.state.requests_to("GET /2/tweets/search/recent")
    assert request["query"]["query"] == f"conversation_id:{root['id']} from:{brand['id']}"


def test_a_post_shows_in_search_only_once_xs_index_caught_up(sandbox, brand, alice, gateway):
    sandbox.state.search_index_lag = 30
    root = sandbox.state.customer_tweet(alice, "@AcmeHelp hello")
    assert gateway.search_conversation(root["id"]).data == []
    sandbox.state.advance(31)
    assert [t["id"] for t in gateway.search_conversation(root["id"]).data] == [root["id"]]


def test_users_lookup_returns_profiles_and_errors_for_suspended_or_unknown(sandbox, alice, gateway, calls):
    locked = sandbox.state.add_user("quiet_one", protected=True)
    banned = sandbox.state.add_user("spam_bot", suspended=True)

    page = gateway.get_users([alice["id"], locked["id"], banned["id"], "42"])

    assert {u["username"]: u["protected"] for u in page.data} == {"alice_buys": False, "quiet_one": True}
    assert {e["resource_id"]: e["title"] for e in page.errors} == {banned["id"]: "Forbidden", "42": "Not Found Error"}
    assert calls[-1].resource_kind == "user_read"
    assert set(calls[-1].resource_ids) == {alice["id"], locked["id"]}


def test_a_suspended_author_leaves_a_missing_includes_entry_not_a_crash(sandbox, brand, gateway):
    troll = sandbox.state.add_user("troll_account")
    tweet = sandbox.state.customer_tweet(troll, "@AcmeHelp you are all scammers")
    sandbox.state.suspend(troll)

    page = gateway.get_mentions(brand["id"])

    assert page.data[0]["id"] == tweet["id"]
    assert troll["id"] not in {u["id"] for u in page.includes.get("users", [])}
    assert page.errors[0]["resource_id"] == troll["id"]
    assert "suspended" in page.errors[0]["detail"]


def test_a_media_key_without_a_media_object_is_passed_through(sandbox, brand, alice, gateway):
    sandbox.state.customer_tweet(alice, "@AcmeHelp look at this", media=["torn sleeve"], missing_media=1)

    page = gateway.get_mentions(brand["id"])

    keys = page.data[0]["attachments"]["media_keys"]
    assert len(keys) == 2
    assert [m["media_key"] for m in page.includes["media"]] == keys[:1]


def test_dm_events_come_newest_first_with_sender_and_conversation(sandbox, brand, alice, gateway, calls):
    first = sandbox.state.customer_dm(alice, brand["id"], "Order 12345678, tracking LP00123456789012")
    second = sandbox.state.customer_dm(alice, brand["id"], "Photo attached", media=["dented lid"])

    page = gateway.get_dm_events()

    assert [e["id"] for e in page.data] == [second["id"], first["id"]]
    event = page.data[0]
    assert event["event_type"] == "MessageCreate"
    assert event["sender_id"] == alice["id"]
    assert event["dm_conversation_id"] == f"{brand['id']}-{alice['id']}"
    assert event["attachments"]["media_keys"] == [page.includes["media"][0]["media_key"]]
    assert alice["id"] in {u["id"] for u in page.includes["users"]}
    assert calls[-1].resource_kind == "dm_event_read"
    assert calls[-1].resource_ids == (second["id"], first["id"])
    assert calls[-1].rate_limit.limit == 15


def test_dm_events_paginate_and_only_reach_30_days_back(sandbox, brand, alice, gateway):
    old = sandbox.state.customer_dm(alice, brand["id"], "ancient", created_at=sandbox.state.now() - 31 * 86400)
    recent = [sandbox.state.customer_dm(alice, brand["id"], f"msg {n}") for n in range(5)]

    first = gateway.get_dm_events(max_results=3)
    second = gateway.get_dm_events(max_results=3, pagination_token=first.next_token)

    ids = [e["id"] for e in first.data + second.data]
    assert ids == [e["id"] for e in reversed(recent)]
    assert old["id"] not in ids
    assert second.next_token is None


def test_conversation_dm_events_only_hold_that_participant(sandbox, brand, alice, gateway, calls):
    bob = sandbox.state.add_user("bob")
    mine = sandbox.state.customer_dm(alice, brand["id"], "hello from alice")
    sandbox.state.customer_dm(bob, brand["id"], "hello from bob")

    page = gateway.get_dm_conversation_events(alice["id"])

    assert [e["id"] for e in page.data] == [mine["id"]]
    assert calls[-1].endpoint == "GET /2/dm_conversations/with/:id/dm_events"


def test_dm_lookup_with_an_app_only_token_is_an_auth_error(sandbox, brand):
    bearer_only = {"bearer_token": sandbox.credentials(brand)["bearer_token"]}
    gateway = sandbox.gateway(brand, credentials=bearer_only)

    with pytest.raises(XAuthError) as caught:
        gateway.get_dm_events()

    assert caught.value.status_code == 403


def test_an_oauth2_user_token_works_as_the_bearer(sandbox, brand):
    sandbox.state.register_user_token("oauth2-user-token", brand)
    gateway = sandbox.gateway(brand, credentials={"bearer_token": "oauth2-user-token"})

    assert gateway.get_me()["id"] == brand["id"]
    assert gateway.get_dm_events().data == []


def test_rate_limit_headers_count_down_per_endpoint(sandbox, brand, gateway, calls):
    gateway.get_mentions(brand["id"])
    gateway.get_mentions(brand["id"])
    gateway.get_me()

    assert [c.rate_limit.remaining for c in calls] == [299, 298, 74]
    assert all(c.rate_limit.reset_at > dt.datetime.now(dt.UTC) for c in calls)
