"""What customers type: order numbers in every keyboard, languages X cannot name, emoji/RTL text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm_twitter.models import Case
from crm_twitter.services.message_routing import language_normalise
from crm_twitter.services.order_matching import order_numbers_find, tracking_numbers_find
from tests.factories import CustomerFactory, OrderFactory, XUserFactory
from tests.x_reality.conftest import case_of, row

# --- order numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@AcmeHelp order #40001234 never came", ["40001234"]),
        ("@AcmeHelp 注文番号：＃４０００１２３４ が届きません", ["40001234"]),  # full-width, Japanese IME
        ("@AcmeHelp 订单号40001234没收到", ["40001234"]),  # no spaces around the number
        ("@AcmeHelp order 4000 1234 still missing", ["40001234"]),  # split for readability
        ("@AcmeHelp pedido AB-123456", ["AB-123456"]),
        ("@AcmeHelp see https://t.co/x40001234 and https://x.com/i/status/1861234567890123456", []),
        ("@AcmeHelp https://shop.example/orders/40001234", []),
        ("@AcmeHelp call me on +49 1761234567 please", []),
        ("@AcmeHelp tel: 5551234567", []),
        ("@AcmeHelp ordered 20261128 and still waiting", []),  # a date
        ("@shop40001234 hi", []),  # a handle
    ],
)
def test_order_numbers_are_found_the_way_customers_type_them(text, expected, db):
    assert order_numbers_find(text) == expected


def test_a_tracking_number_in_a_link_is_not_read_as_one(db):
    assert tracking_numbers_find("track: https://t.co/RR123456785DE") == []
    assert tracking_numbers_find("tracking RR123456785DE") == ["RR123456785DE"]


@pytest.mark.django_db
def test_a_full_width_order_number_posted_publicly_links_the_order_and_flags_the_case(sandbox, brand, sync):
    order = OrderFactory(order_number="40009876")
    mei = sandbox.state.add_user("mei")
    post = sandbox.state.customer_tweet(mei, "@AcmeHelp 注文＃４０００９８７６の荷物がまだ届きません😢", lang="ja")
    sync()
    case = case_of(post)
    assert list(case.orders.all()) == [order]
    assert case.has_private_data_in_public
    assert row(post).contains_private_data
    assert row(post).text == post["text"]  # stored as typed, only matching normalises


@pytest.mark.django_db
def test_a_status_link_is_not_private_data(sandbox, brand, sync):
    OrderFactory(order_number="186123456789")
    ned = sandbox.state.add_user("ned")
    post = sandbox.state.customer_tweet(ned, "@AcmeHelp look https://x.com/i/status/1861234567890123456 lol")
    sync()
    assert case_of(post).orders.count() == 0
    assert not case_of(post).has_private_data_in_public


# --- languages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x_code", "desk_code"),
    [
        ("in", "id"),
        ("iw", "he"),
        ("zh-cn", "zh"),
        ("zh-CN", "zh"),
        ("zh-tw", "zh-TW"),
        ("zh", "zh"),
        ("und", ""),
        ("qme", ""),
        ("zxx", ""),
        ("qht", ""),
        ("pt-br", "pt-BR"),
        ("es", "es"),
    ],
)
def test_x_language_codes_become_desk_codes(x_code, desk_code):
    assert language_normalise(x_code) == desk_code


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "expected"), [("in", "id"), ("iw", "he"), ("zh-tw", "zh-TW")])
def test_a_case_gets_the_normalised_language(sandbox, brand, sync, lang, expected):
    user = sandbox.state.add_user("polyglot")
    post = sandbox.state.customer_tweet(user, "@AcmeHelp paket belum sampai", lang=lang)
    sync()
    assert case_of(post).language == expected
    assert row(post).lang == lang  # X's own code is kept on the message


@pytest.mark.django_db
def test_an_emoji_only_complaint_takes_the_customers_known_language(sandbox, brand, sync):
    lucia = sandbox.state.add_user("lucia")
    XUserFactory(x_id=lucia["id"], handle="lucia", customer=CustomerFactory(language="es"))
    post = sandbox.state.customer_tweet(lucia, "@AcmeHelp 📦❌😡😡", lang="qme")
    sync()
    assert case_of(post).language == "es"


@pytest.mark.django_db
def test_an_undetermined_first_tweet_takes_the_language_of_the_next_one(sandbox, brand, sync):
    hans = sandbox.state.add_user("hans")
    first = sandbox.state.customer_tweet(hans, "@AcmeHelp 😡😡😡", lang="und")
    sandbox.state.customer_tweet(hans, "@AcmeHelp Mein Paket ist nie angekommen", lang="de")
    sync()
    assert case_of(first).language == "de"
    assert case_of(first).customer.language == "de"


# --- text survives --------------------------------------------------------------------------------

NASTY = (
    "@AcmeHelp 👩\u200d👩\u200d👧 family order 🇯🇵 "
    "\u05d4\u05d4\u05d6\u05de\u05e0\u05d4 \u05dc\u05d0 \u05d4\u05d2\u05d9\u05e2\u05d4 "  # Hebrew, RTL
    "\u202eevil\u202c \u200b zero-width <script>alert(1)</script> & \u00e9\u0301"
)


@pytest.mark.django_db
def test_emoji_zwj_rtl_and_control_characters_survive_and_are_escaped_on_output(
    sandbox, brand, sync, client, admin_user
):
    user = sandbox.state.add_user("rtl_user", name="\u05d3\u05e0\u05d4 👩\u200d💻")
    post = sandbox.state.customer_tweet(user, NASTY, lang="iw")
    sync()
    stored = row(post)
    assert stored.text == NASTY
    assert stored.author.name == "\u05d3\u05e0\u05d4 👩\u200d💻"

    client.force_login(admin_user)
    for url in (
        reverse("crm_twitter_inbox:case", args=[stored.case_id]),
        reverse("admin:crm_twitter_tweet_change", args=[stored.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "👩\u200d👩\u200d👧" in html, url
        assert "\u05d4\u05d4\u05d6\u05de\u05e0\u05d4" in html, url
    assert Case.objects.get().language == "he"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Заказ №RU-55310 так и не пришёл", "RU-55310"),
        ("заказ 4000 1234 не пришел", "#40001234"),
        ("رقم الطلب 40001234 لم يصل", "40001234"),
        ("Amazon order 112-3456789-1234567 never came", "112-3456789-1234567"),
        ("pedido 20240702-0158 atrasado", "20240702-0158"),
    ],
)
def test_order_numbers_in_more_shapes_and_languages_are_found(text, number):
    from crm_twitter.services.order_matching import order_numbers_find

    assert number.lstrip("#") in [n.lstrip("#") for n in order_numbers_find(text)]


def test_our_own_case_reference_is_never_read_as_an_order_number():
    from crm_twitter.services.order_matching import order_numbers_find

    assert order_numbers_find("Your case CS-2026-001234 is open") == []
