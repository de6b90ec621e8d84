"""Scenario files and the player that turns them into scripted customers."""

import json

import pytest

from crm_twitter.sandbox.scenarios import (
    ScenarioError,
    ScenarioPlayer,
    scenario_from_dict,
    scenario_load,
    scenario_names,
    scenario_play,
)
from crm_twitter.sandbox.state import SandboxState
from crm_twitter.seeds import CATEGORIES

ORDER_KEYS = {
    "store",
    "order_number",
    "currency",
    "total_amount",
    "carrier",
    "tracking_number",
    "destination_country",
    "payment_method",
    "payment_reference",
    "items",
}
ITEM_KEYS = {"sku", "title", "quantity", "unit_price"}


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("name", scenario_names())
def test_every_scenario_file_has_the_shared_brand_and_customer_shape(name):
    raw = json.loads(scenario_load(name).path.read_text(encoding="utf-8"))

    assert raw["brands"] and raw["customers"]
    for brand in raw["brands"]:
        assert {"handle", "x_user_id", "role", "name"} <= set(brand)
        assert brand["role"] in {"support", "regional", "executive"}
    for customer in raw["customers"]:
        assert {"handle", "x_user_id", "name", "lang", "country", "followers", "accepts_dms", "orders"} <= set(customer)
        for order in customer["orders"]:
            assert set(order) >= ORDER_KEYS
            assert all(set(item) >= ITEM_KEYS for item in order["items"])


def test_the_demo_covers_six_languages_and_every_complaint_category():
    demo = scenario_load("demo")

    assert {c["lang"] for c in demo.customers} >= {"en", "zh", "es", "de", "fr", "ja"}
    assert {c["complaint_category"] for c in demo.customers} == {c["slug"] for c in CATEGORIES}
    assert {b["role"] for b in demo.brands} == {"support", "regional", "executive"}


def test_the_demo_history_plays_the_whole_customer_journey():
    state = SandboxState()
    player = scenario_play(state, "demo", live=True)
    brands = {b["x_user_id"]: b["handle"] for b in state.brands.values()}
    support, exec_id = "1487220931005440001", "1355012345678901234"

    texts = [t["text"] for t in state.tweets.values()]
    mentions = state.mentions_of(support)
    sarah = state.user_id("sarah_m_uk")

    assert any("我三周前就退货了" in text for text in texts)  # Chinese, byte for byte
    assert any(t["author_id"] == sarah and t.get("attachments") is None for t in mentions)
    assert any(e["sender_id"] == sarah and "NS-10023456" in e["text"] for e in state.dm_events)  # order number by DM
    assert any(
        "two days and counting" in t["text"] and t["conversation_id"] == player.tweet_id("s1") for t in mentions
    )  # public nudge in the same thread
    assert any(t["author_id"] == sarah for t in state.mentions_of(exec_id))  # executive mentioned
    assert any(t["author_id"] in brands and t.get("in_reply_to_user_id") == sarah for t in state.tweets.values())
    assert any("RT @sarah_m_uk" in t["text"] for t in mentions)  # a retweet
    assert state.user_id("spam_seller_x") in state.suspended
    assert state.users[state.user_id("private_pat")]["protected"] is True
    assert any("NS-10022348" in t["text"] for t in state.mentions_of("1487220931005440002"))  # order number in public


def test_live_customers_arrive_over_time_and_react_to_the_brand():
    state = SandboxState()
    clock = FakeClock()
    player = ScenarioPlayer(state, scenario_load("minimal"), speed=60, clock=clock)
    player.preload()  # the customer's history: a tweet with a photo and a DM
    customer = state.user_id("test_customer")
    brand = state.user_id("NovaShopHelp")
    tweet = state.tweets[player.tweet_id("t1")]

    assert state.media[tweet["attachments"]["media_keys"][0]]["alt_text"] == "Mug in pieces"
    assert [e["text"] for e in state.dm_events] == ["Order NS-10099999"]

    clock.now = 40  # 40 scenario minutes at speed 60: the thank-you is due but the brand has not answered
    player.tick()
    assert len(state.tweets) == 1

    state.brand_dm(brand, customer, "Replacement on its way!")
    clock.now = 41
    player.tick()

    thanks = [t for t in state.tweets.values() if t["text"].endswith("thanks, all sorted!")]
    assert thanks and thanks[0]["conversation_id"] == tweet["id"]


def test_a_condition_that_never_comes_true_drops_the_step_after_waiting():
    state = SandboxState()
    clock = FakeClock()
    player = ScenarioPlayer(state, scenario_load("minimal"), speed=60, clock=clock)
    player.preload()

    for minute in range(0, 300, 10):
        clock.now = minute
        player.tick()

    assert len(state.tweets) == 1
    assert player.skipped == 1


def test_live_mode_keeps_complaints_coming_with_new_customers():
    raw = {
        "brands": [{"handle": "AcmeHelp", "x_user_id": "100", "role": "support", "name": "Acme"}],
        "customers": [
            {
                "handle": "liveone",
                "x_user_id": "200",
                "name": "Live One",
                "lang": "en",
                "country": "US",
                "followers": 1,
                "accepts_dms": True,
                "orders": [],
                "start": 1,
                "script": [{"at": 0, "do": "tweet", "text": "{brand} {handle} needs help"}],
            }
        ],
    }
    state = SandboxState()
    clock = FakeClock()
    player = ScenarioPlayer(state, scenario_from_dict(raw), speed=60, clock=clock)
    player.preload()

    for second in range(0, 60):
        clock.now = second
        player.tick()

    authors = {state.users[t["author_id"]]["username"] for t in state.tweets.values()}
    assert "liveone" in authors
    assert len(authors) >= 3  # liveone, then liveone_2, liveone_3 …


def test_a_step_pointing_at_an_unknown_key_is_refused():
    raw = {
        "brands": [{"handle": "AcmeHelp", "x_user_id": "100", "role": "support", "name": "Acme"}],
        "customers": [{"handle": "c", "x_user_id": "2", "name": "C", "script": [{"do": "reply", "to": "nope"}]}],
    }

    with pytest.raises(ScenarioError):
        scenario_from_dict(raw)


def test_the_sandbox_command_serves_a_scenario(sandbox):
    """The player and the HTTP server work together (what `crm_twitter_sandbox --scenario` does)."""
    player = ScenarioPlayer(sandbox.state, scenario_load("minimal"))
    player.preload()
    brand = sandbox.state.user_id("NovaShopHelp")

    page = sandbox.gateway(brand).get_mentions(brand)

    assert page.data[0]["text"] == "@NovaShopHelp my mug arrived broken 😢"
