"""The privacy guard in ten languages: marketplace order shapes, the last digits of a card, and the
ordinary numbers (dates, prices, models, handles, URLs, our case references) it must leave alone."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from crm_twitter.conf import DEFAULTS
from crm_twitter.services.order_matching import order_numbers_find
from crm_twitter.services.privacy import KIND_LABELS, private_data_find, private_data_summary

DEV_SET = Path(__file__).parent / "data" / "privacy_dev.jsonl"
LANGUAGES = {"en", "zh", "es", "de", "fr", "ja", "pt", "ru", "ko", "ar"}


def found(text: str, **kwargs) -> list[tuple[str, str]]:
    findings = private_data_find(text, **kwargs)
    for f in findings:  # spans always point into the text as typed (full-width, Arabic digits, URLs…)
        assert text[f.start : f.end] == f.text
    return [(f.kind, f.text) for f in findings]


# --- order numbers in the shapes marketplaces and shops use -------------------------------------

ORDER_SHAPES = [
    # (text, the order number as it must be reported)
    ("My Amazon order 112-3456789-1234567 never arrived", "112-3456789-1234567"),
    ("112-3456789-1234567 still not here!!", "112-3456789-1234567"),  # no announcing word
    ("Kindle order D01-1234567-1234567 was charged twice", "D01-1234567-1234567"),
    ("where is #A12345??", "A12345"),
    ("It's order A12345, the screen is cracked", "A12345"),
    ("ES-80215 llegó roto", "ES-80215"),
    ("Mi pedido ES-80215 no llega", "ES-80215"),
    ("заказ №RU-55310 не пришёл", "RU-55310"),
    ("№RU-55310 пришёл разбитым", "RU-55310"),
    ("20240702-0158 is my order", "20240702-0158"),
    ("注文番号 20240702-0158 が届かない", "20240702-0158"),
    ("Order #AB-1234567 is delayed", "AB-1234567"),
    ("A1234567 where is it?", "A1234567"),
    ("SO20240702001 hasn't shipped", "SO20240702001"),
    ("@AcmeHelp 40001234 still not here", "40001234"),
    ("@AcmeHelp #40001234 still not here", "40001234"),
    ("the shop says #10234 is fulfilled, it is not", "10234"),  # a shop's short numbers, after "#"
]


@pytest.mark.parametrize(("text", "number"), ORDER_SHAPES)
def test_order_number_shapes_are_caught_with_or_without_words(text, number):
    assert found(text) == [("order_number", number)]


ORDER_WORDS = [
    # (language, text, number): the order word alone makes even a short number private
    ("en", "my order number is 4567", "4567"),
    ("en", "order no. 40001234 pls", "40001234"),
    ("es", "número de pedido 40001234", "40001234"),
    ("es", "número de orden 40001234", "40001234"),
    ("pt", "encomenda nº PT-40917 veio danificada", "PT-40917"),
    ("pt", "número do pedido 40001234", "40001234"),
    ("de", "Bestellnummer: A12345", "A12345"),
    ("de", "Bestellung 4000 1234 fehlt", "4000 1234"),  # split for reading
    ("fr", "n° de commande 40001234", "40001234"),
    ("fr", "commande N°ES-80215", "ES-80215"),
    ("ru", "номер заказа 40001234", "40001234"),
    ("zh", "订单号40001234没收到", "40001234"),  # no space around the number
    ("zh", "订单编号 SO20240702001", "SO20240702001"),
    ("ja", "注文番号：＃４０００１２３４", "４０００１２３４"),  # full-width, as a Japanese IME types it
    ("ja", "オーダー番号 #A12345", "A12345"),
    ("ko", "주문번호: 20240702-0158", "20240702-0158"),
    ("ko", "주문번호는 88123012 입니다", "88123012"),
    ("ar", "رقم الطلب ١٢٣٤٥٦٧٨", "١٢٣٤٥٦٧٨"),  # Arabic-Indic digits
    ("ar", "طلبية رقم ES-80215", "ES-80215"),
]


@pytest.mark.parametrize(("language", "text", "number"), ORDER_WORDS)
def test_order_words_in_ten_languages_announce_an_order_number(language, text, number):
    assert found(text) == [("order_number", number)], language


# --- the last four digits of a card -----------------------------------------------------------

CARD_LAST4 = [
    ("en", "card ending 3344", "3344"),
    ("en", "you charged the Visa that ends with 0932 twice", "0932"),
    ("en", "the last 4 digits of my card are 9876", "9876"),
    ("en", "charged to mastercard xxxx-xxxx-xxxx-7741", "7741"),
    ("en", "charged on my card ****4321", "4321"),
    ("ja", "カード末尾 3344", "3344"),
    ("ja", "クレジットカードの下4桁は 6650 です", "6650"),
    ("ja", "1234で終わるカード", "1234"),
    ("es", "tarjeta terminada en 1234", "1234"),
    ("es", "los últimos 4 dígitos de mi tarjeta son 3390", "3390"),
    ("pt", "cartão final 5678", "5678"),
    ("pt", "final do cartão 5678", "5678"),
    ("de", "Karte endet auf 1234", "1234"),
    ("de", "Kreditkarte mit den Endziffern 1234", "1234"),
    ("de", "die Karte, die auf 1234 endet", "1234"),
    ("fr", "carte se terminant par 1234", "1234"),
    ("fr", "ma CB qui se termine par 1234", "1234"),
    ("ru", "карта заканчивается на 1234", "1234"),
    ("ru", "последние 4 цифры карты 3377", "3377"),
    ("zh", "尾号1234的卡", "1234"),
    ("zh", "银行卡后四位1234", "1234"),
    ("ko", "끝자리 1234", "1234"),
    ("ko", "카드 끝자리 4412로 두 번 결제됐어요", "4412"),
    ("ko", "1234로 끝나는 카드", "1234"),
    ("ar", "البطاقة المنتهية بـ 1234", "1234"),
    ("ar", "آخر 4 أرقام من بطاقتي ٥٥٢١", "٥٥٢١"),
]


@pytest.mark.parametrize(("language", "text", "digits"), CARD_LAST4)
def test_the_last_four_digits_of_a_card_are_caught_in_ten_languages(language, text, digits):
    findings = private_data_find(text)
    assert [(f.kind, f.text) for f in findings] == [("card_last4", digits)], language
    assert "the last digits of a card" in findings[0].explanation and "DM" in findings[0].explanation


def test_the_last_digits_of_a_card_have_a_label_and_a_reason():
    assert KIND_LABELS["card_last4"] == "the last digits of a card"
    summary = private_data_summary(private_data_find("card ending 3344"))
    assert summary == "“3344” (the last digits of a card)"


@pytest.mark.parametrize(
    "text",
    [
        "my phone number ends in 1234",  # an ending without a card
        "手机尾号1234",  # a phone's tail, not a card's
        "Visa 2024 was a great year",  # a year after a card word
        "we sell gift cards since 2019",
        "last 4 days were awful",
    ],
)
def test_four_digits_without_a_card_are_not_card_digits(text):
    assert "card_last4" not in [kind for kind, _ in found(text)]


# --- what is never private --------------------------------------------------------------------

NEVER = [
    # the desk's own case references, in every layout cases.py issues
    "Your case CS-2026-000123 is resolved, thank you!",
    "Ref CS-2026-1234567, and the reopened one CS-2025-000045-2",
    "cs-2026-000123 closed",
    # @handles, including all-digit ones, and hashtags
    "@12345678 thanks for reaching out",
    "@40001234567 @shop_2024 same problem",
    "#BlackFriday2024 #RTX4090 #iPhone15Pro #注文123456",
    # URLs of any site, with or without a scheme
    "see https://example.com/orders/40001234?id=112-3456789-1234567",
    "http://bit.ly/3AbC123 and www.shop.de/p/40001234 and amzn.to/40001234",
    "https://x.com/AcmeHelp/status/1861234567890123456",
    "Hi, please DM us: https://twitter.com/messages/compose?recipient_id=900000001",
    "look https://t.co/AbC1234567 and pic.twitter.com/AbCd123456",
    # dates and times
    "ordered on 2024-07-02 at 14:30",
    "delivered 02/07/2024, 28.11.2026 um 14:30 Uhr",
    "2024年7月2日14時30分に注文",
    "2024년 7월 2일 오후 2시 30분",
    "ordered 20240702 and still waiting",
    "livraison à 14h30, comprei em 02/07, 2:30 pm",
    # prices and amounts
    "$59.90 refund, 1.299,00 € paid, ¥3980 and ￥12,800",
    "R$ 149,90 à vista, 3 990 ₽, 39,900원, 59.90 元, 3980円",
    "USD 1,299.99 or EUR 1.299 or 1299 руб. or ١٤٩ ريال",
    "1 299 000 VND for a phone",
    # quantities and durations
    "48 hours, 5-7 business days, 30 días, 3日, 48時間, 3일, 14 дней, 7 أيام",
    "10000mAh, 100%, 2 items, 3 шт, 500 ml, 100000 points, 20000 followers",
    "3〜5営業日, 15~20天, 2-3 Werktage",
    # product models and sizes
    "iPhone 15 Pro, RTX 4090, Galaxy S24 Ultra 512GB, RTX-4090, WH-1000XM5, i9-14900K",
    "size 42, EU 38, talla 42, Größe 44, サイズ 26.5, 사이즈 270, مقاس 42",
    "ISO-9001, COVID-19, FY-2024, 2019-2024, error code 0x80070005",
    # other numbers
    "Version 3.14.15 fixed it, server 192.168.1.100",
    "CEP 01310-100, PLZ 10115, 邮编 100020, 〒100-0001",
    "SKU 12345678, 型番 ABC-12345",
    "in order to help, DM us. We'll order soon a replacement. Available 24/7.",
    "I've ordered 2 times in 2024",
    "ordered a Dell XPS 9530 last week",  # an order word does not announce every number after it
    "Spring 2024 collection, String 12 broke",  # English words are not German streets
    "تم الطلب عن طريق الموقع 5 مرات",  # "عن طريق" is "via", not a road
]


@pytest.mark.parametrize("text", NEVER)
def test_ordinary_numbers_are_never_flagged(text):
    assert found(text) == []


def test_the_case_reference_prefix_comes_from_settings(settings):
    settings.CRM_TWITTER = {"CASE_REFERENCE_PREFIX": "TW"}
    assert found("Your case TW-2026-000123 is resolved") == []
    assert found("Your case XY-2026-000123 is resolved") != []  # not ours: a reference of someone else's


def test_urls_are_masked_without_moving_offsets():
    text = "https://shop.example/o/40001234 ＃Ａ１２３４５ and jane@example.com"
    assert found(text) == [("order_number", "Ａ１２３４５"), ("email", "jane@example.com")]


# --- overlaps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a marketplace number is one order, not a phone number and a rest
        ("Order 112-3456789-1234567", [("order_number", "112-3456789-1234567")]),
        # a full card number is a card, not its last digits nor a tracking number
        ("card 4111 1111 1111 1111 declined", [("card_number", "4111 1111 1111 1111")]),
        # a phone written in groups is a phone, even though dashed numbers can be orders
        ("電話 090-1234-5678", [("phone", "090-1234-5678")]),
        ("call +55 21 99876-5432", [("phone", "+55 21 99876-5432")]),
        # "No." touching a number does not beat the phone word before it
        ("Tel No. 030 12345678", [("phone", "030 12345678")]),
        # a tracking word makes a number a tracking number, not an order
        ("tracking 40001234", [("tracking_number", "40001234")]),
        ("USPS 9400 1118 9922 3197 4284 90", [("tracking_number", "9400 1118 9922 3197 4284 90")]),
        ("trk# 9400111899223197428490", [("tracking_number", "9400111899223197428490")]),
        # several kinds in one message
        (
            "order 40001234, card ending 1234, call +1 415-555-2671",
            [("order_number", "40001234"), ("card_last4", "1234"), ("phone", "+1 415-555-2671")],
        ),
        (
            "طلب رقم ٨٨١٢٣٤٥٦ وجوالي ٠٥٠١٢٣٤٥٦٧",
            [("order_number", "٨٨١٢٣٤٥٦"), ("phone", "٠٥٠١٢٣٤٥٦٧")],
        ),
    ],
)
def test_overlaps_are_resolved_sensibly(text, expected):
    assert found(text) == expected


def test_a_store_pattern_from_settings_still_wins(settings):
    settings.CRM_TWITTER = {"ORDER_NUMBER_PATTERNS": {"acme": [r"\b(ZX\d{2}[A-Z]\d)\b"]}}
    assert found("about ZX99A1, thanks") == [("order_number", "ZX99A1")]


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "😡📦❌" * 50,
    "👩\u200d👩\u200d👧 family 🇯🇵 \u202eevil\u202c \u200b",
    "order \ud800 40001234 \udfff card ending 1234 \ud83d",  # lone surrogates
    "\x00" * 100 + "40001234",
    "1-" * 5000,
    "1 " * 5000,
    "12 " * 3400,
    "100 000 " * 1250,
    "1" * 10000,
    "+1 " * 3300,
    "0(" * 5000,
    "*" * 5000 + "12345",
    "card ending " * 900,
    "Calle " + "A" * 9000,
    "가" * 10000,
    "картакарта" * 1000,
    "a." * 5000 + "/",
    ("訂單#A12345 call +1 415-555-2671 الطلب ١٢٣٤٥٦ карта *1234 끝자리 1234 " * 120)[:10000],
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_neither_crashes_nor_hangs(text):
    # Catastrophic backtracking would make this test hang rather than fail: each input is a shape
    # that once took seconds or more (10,000 characters, repeated separators, long letter runs).
    findings = private_data_find(text)
    for f in findings:
        assert text[f.start : f.end] == f.text and f.start < f.end


# --- the default ORDER_NUMBER_PATTERNS link orders in order matching ------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("order 112-3456789-1234567 missing", ["112-3456789-1234567"]),
        ("D01-1234567-1234567", ["D01-1234567-1234567"]),
        ("#A12345 broken", ["A12345"]),
        ("＃Ａ１２３４５ broken", ["A12345"]),
        ("pedido ES-80215", ["ES-80215"]),
        ("заказ №RU-55310", ["RU-55310"]),  # NFKC reads "№" as "No"
        ("注文 20240702-0158", ["20240702-0158"]),
        ("pedido AB-123456 y #40001234", ["AB-123456", "40001234"]),
        ("case CS-2026-000123, on 2024-07-02, ISO-9001, FY-2024, #Sale2024", []),
    ],
)
def test_the_default_order_patterns_find_what_order_matching_looks_up(text, numbers):
    assert DEFAULTS["ORDER_NUMBER_PATTERNS"]["*"]  # the setting both modules read
    assert order_numbers_find(text) == numbers


# --- the development set ----------------------------------------------------------------------


def _dev_rows() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_dev_set_covers_ten_languages_with_private_and_clean_messages():
    rows = _dev_rows()
    assert {row["lang"] for row in rows} == LANGUAGES
    assert all(set(row) == {"text", "lang", "pii"} for row in rows)
    assert all(set(row["pii"]) <= set(KIND_LABELS) for row in rows)
    per_language = Counter(row["lang"] for row in rows)
    assert min(per_language.values()) >= 15
    private = sum(bool(row["pii"]) for row in rows)
    assert 0.5 <= private / len(rows) <= 0.7


def test_the_guard_flags_the_dev_sets_private_messages_and_spares_the_clean_ones():
    rows = _dev_rows()
    private = [row for row in rows if row["pii"]]
    clean = [row for row in rows if not row["pii"]]
    missed = [row["text"] for row in private if not private_data_find(row["text"])]
    false_alarms = [row["text"] for row in clean if private_data_find(row["text"])]
    assert 1 - len(missed) / len(private) >= 0.95, missed
    assert 1 - len(false_alarms) / len(clean) >= 0.98, false_alarms
