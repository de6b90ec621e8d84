"""The privacy guard on its weak spots: street addresses in each country's own format and payment
references as customers paste them (IBANs, wallet trade numbers, Pix ids, bank-transfer references),
with the decoys that must stay untouched.

The hard development set (``tests/classify/data/privacy_hard_dev.jsonl``) is what these rules were
tuned on; ``privacy_hard_check.jsonl`` was written after tuning and is only measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_twitter.classify.evaluation import detection_scores
from crm_twitter.services import privacy
from crm_twitter.services.privacy import private_data_find
from tests.regex_shapes import nested_unbounded_repeats

DATA = Path(__file__).parent.parent / "classify" / "data"


def found(text: str) -> list[tuple[str, str]]:
    findings = private_data_find(text)
    for f in findings:
        assert text[f.start : f.end] == f.text
    return [(f.kind, f.text) for f in findings]


# --- street addresses, as each country writes them ---------------------------------------------

ADDRESSES = [
    # (language, message, the part reported as an address must contain this)
    ("en", "Please resend it to 350 5th Ave, Apt 4B, New York NY 10118", "350 5th Ave"),
    ("en", "I live at 1200 W Lakeshore Dr Apt 12C, driver went to the wrong building", "1200 W Lakeshore Dr"),
    ("en", "my address is 14 maple street, springfield", "14 maple street"),
    ("en", "it got left at 88 baker st instead of my door", "88 baker st"),
    ("en", "ship the replacement to PO Box 4417, Austin TX 78701", "PO Box 4417"),
    ("de", "Lieferadresse: Unter den Linden 77, 10117 Berlin", "Linden 77, 10117 Berlin"),
    ("de", "Bitte an Karl-Marx-Allee 34 schicken", "Karl-Marx-Allee 34"),
    ("de", "wohne in der hauptstraße 17, der Bote war nie da", "hauptstraße 17"),
    ("de", "Postfach 10 12 34, 50452 Köln ist meine Postanschrift", "Postfach 10 12 34, 50452 Köln"),
    ("fr", "Livrez au 15 bis square Montholon, 75009 Paris svp", "15 bis square Montholon"),
    ("fr", "j'habite 22 cité Riverin, le livreur a tout laissé dehors", "22 cité Riverin"),
    ("fr", "BP 123, 97200 Fort-de-France c'est ma boîte postale", "BP 123, 97200 Fort-de-France"),
    ("es", "entregar en Carrera 7 # 71-21, Bogotá, no en la portería", "Carrera 7 # 71-21"),
    ("es", "mi direccion es calle mayor 5, 2º izq", "calle mayor 5"),
    ("es", "Apartado de correos 123, 46080 Valencia", "Apartado de correos 123"),
    ("pt", "moro na rua xv de novembro 300, o entregador nem tocou", "rua xv de novembro 300"),
    ("pt", "Largo do Carmo 12, 1200-092 Lisboa é a morada certa", "Largo do Carmo 12"),
    ("ru", "Адрес: г. Москва, Ленинградский проспект 39, кв. 12", "Ленинградский проспект 39, кв. 12"),
    ("ru", "доставьте на Невский пр., 28, а не в пункт выдачи", "Невский пр., 28"),
    ("ru", "живу на ул. ленина 5, кв 3", "ул. ленина 5, кв 3"),
    ("ru", "а/я 123, 190000 Санкт-Петербург", "а/я 123, 190000 Санкт-Петербург"),
    ("zh", "收货地址：北京市朝阳区望京花园小区5号楼3单元402", "5号楼3单元402"),
    ("zh", "寄到成都市武侯区人民南路四段11号", "人民南路四段11号"),
    ("ja", "〒150-0041 東京都渋谷区神南1-2-3 に送ってください", "渋谷区神南1-2-3"),
    ("ja", "住所は大阪市北区梅田3-1-1 グランフロント 1203号室です", "北区梅田3-1-1"),
    ("ko", "배송지: 성남시 판교역로 235 에이치스퀘어 N동 7층", "성남시 판교역로 235"),
    ("ko", "래미안아파트 102동 1504호로 다시 보내주세요", "102동 1504호"),
    ("ar", "العنوان: ٢٤ شارع التحرير، الدقي، الجيزة", "٢٤ شارع التحرير"),
    ("ar", "حي النخيل، شارع العليا، مبنى 1234، الرياض 12345", "مبنى 1234"),
    ("ar", "ص.ب 1234 الرياض 11564", "ص.ب 1234"),
]


@pytest.mark.parametrize(("language", "text", "part"), ADDRESSES, ids=[f"{a[0]}-{i}" for i, a in enumerate(ADDRESSES)])
def test_street_addresses_in_each_countrys_format_are_caught(language, text, part):
    addresses = [t for kind, t in found(text) if kind == "address"]
    assert any(part in a for a in addresses), found(text)


def test_a_colombian_address_is_not_reported_as_an_order_number():
    assert found("vivo en Calle 93 # 11-27 apto 501") == [("address", "Calle 93 # 11-27")]
    assert found("order #71-21 never came") == [("order_number", "71-21")]


# --- payment references as customers paste them ------------------------------------------------

PAYMENTS = [
    # (language, message, the payment reference as reported)
    ("en", "bank transfer done, my IBAN is GB29 NWBK 6016 1331 9268 19 for the refund", "GB29 NWBK 6016 1331 9268 19"),
    ("en", "refund to GB29NWBK60161331926819 please", "GB29NWBK60161331926819"),
    ("en", "my bank gave me ARN 74537604221431003881648 for the refund", "74537604221431003881648"),
    ("en", "Venmo payment ID 3456789012345678901 went through on my end", "3456789012345678901"),
    ("en", "ref: 7HG2K9QX — that's the transfer you never matched", "7HG2K9QX"),
    ("de", "IBAN für die Erstattung: DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
    ("de", "Überweisung mit Verwendungszweck RE-449102-XK ist raus", "RE-449102-XK"),
    ("fr", "remboursez sur FR76 3000 6000 0112 3456 7890 189 merci", "FR76 3000 6000 0112 3456 7890 189"),
    ("fr", "mon RIB : FR1420041010050500013M02606", "FR1420041010050500013M02606"),
    ("es", "número de operación 8812345678 de la transferencia", "8812345678"),
    ("es", "clave de rastreo SPEI MBAN01002603140012345678", "MBAN01002603140012345678"),
    ("pt", "chave pix: 123e4567-e89b-12d3-a456-426614174000, devolvam", "123e4567-e89b-12d3-a456-426614174000"),
    ("pt", "o pix E00000000202603141530abcDEF12345 foi feito", "E00000000202603141530abcDEF12345"),
    ("pt", "IBAN PT50 0002 0123 1234 5678 9015 4 para o reembolso", "PT50 0002 0123 1234 5678 9015 4"),
    ("ru", "номер операции 1234567890 в СБП, деньги списали", "1234567890"),
    ("ru", "идентификатор СБП A6073123456789010000011001150201", "A6073123456789010000011001150201"),
    ("zh", "2026031422001412345678901234 这笔钱什么时候退", "2026031422001412345678901234"),
    ("zh", "4200001988202603145512345678 是微信的转账记录", "4200001988202603145512345678"),
    ("zh", "微信支付单号4200001988202603145512345678", "4200001988202603145512345678"),
    ("ja", "振込の受付番号 20260314-0058231 です", "20260314-0058231"),
    ("ko", "이체 번호 20260311-558812", "20260311-558812"),
    ("ar", "رقم العملية 123456789012 والمبلغ ما رجع", "123456789012"),
    ("ar", "الآيبان SA03 8000 0000 6080 1016 7519 لاسترداد المبلغ", "SA03 8000 0000 6080 1016 7519"),
    ("ar", "حولوا على AE070331234567890123456", "AE070331234567890123456"),
]


@pytest.mark.parametrize(
    ("language", "text", "reference"), PAYMENTS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAYMENTS)]
)
def test_payment_references_are_caught_with_or_without_a_payment_word(language, text, reference):
    assert ("payment_reference", reference) in found(text), found(text)


def test_an_iban_whose_check_digits_are_wrong_is_not_a_payment_reference():
    assert "payment_reference" not in {kind for kind, _ in found("IBAN DE00 1234 5678 9012 3456 78")}


# --- decoys: nothing private in them -----------------------------------------------------------

DECOYS = [
    "iPhone 15 Pro Max 256GB arrived with 3 dead pixels",
    "the app version 4.12.3 crashes every time I open my orders",
    "ordered the #1E90FF colour, got grey",
    "coupon SAVE20 and WELCOME2026 both rejected at checkout",
    "Re CS-2026-004512: still waiting, 3rd reply from you",
    "paid $249.99 on 12/03/2026 at 14:30 via PayPal, nothing since",
    "I moved 2 years ago and you still ship to my old address",
    "I live on the 5th floor and the courier never comes up",
    "a 1200 W microwave, 3 square meters of packaging, I sent 3 mail about it",
    "Galaxy S24 Ultra 512 GB, Version 14.2 — Display flackert",
    "Ich warte seit 14 Tagen, Straße gesperrt sagt DHL",
    "la référence du produit est XJ-900, c'est le mauvais modèle",
    "payé 59,90 € le 28/11, livraison prévue sous 5 jours",
    "llevo 3 semanas esperando, la calle no está cortada",
    "paguei R$ 149,90 no pix dia 14/03",
    "Paid via Klarna in 3 instalments of 33,30 €",
    "оплатил 3 990 ₽ 12.03.2026, версия приложения 6.4.1",
    "iPhone 15 Pro Max 256GB 花了9999元，3月14日到的",
    "3月14日に1,980円払ったのに、バージョン2.1.0で落ちる",
    "市販品の2-3個セット",
    "39,900원 결제했는데 앱 버전 5.2.1 오류",
    "أنتظر منذ 3 أيام والشارع مفتوح",
    "BP 2024 résultats, Postfach leer",
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_are_left_alone(text):
    assert found(text) == []


def test_order_and_tracking_numbers_keep_their_kind_next_to_payment_words():
    assert found("order 112-4839201-5530917 — the payment went through, where is it?") == [
        ("order_number", "112-4839201-5530917")
    ]
    assert found("pedido 40001234, pago con PayPal") == [("order_number", "40001234")]
    assert found("trek RA123456789CN, оплатил картой")[0][0] == "tracking_number"


def test_every_payment_word_starts_with_a_letter_the_scan_looks_for():
    """``_PAYMENT_FIRST`` lets the payment-word scan skip other positions: a word added to
    ``_PAYMENT_WORDS`` whose first letter is missing there would silently never be found."""
    depth, alternative, alternatives = 0, "", []
    for ch in privacy._PAYMENT_WORDS:
        depth += (ch in "([") - (ch in ")]")
        if ch == "|" and depth == 0:
            alternatives.append(alternative)
            alternative = ""
        else:
            alternative += ch
    alternatives.append(alternative)
    for alternative in alternatives:
        first = alternative.removeprefix("(?:")
        letters = first[1 : first.index("]")] if first.startswith("[") else first[0]
        assert all(letter in privacy._PAYMENT_FIRST for letter in letters), alternative


# --- the development and check sets ------------------------------------------------------------


def _scores(name: str) -> dict[str, float]:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    found_kinds = [sorted({f.kind for f in private_data_find(row["text"])}) for row in rows]
    return detection_scores([row["pii"] for row in rows], found_kinds)


def test_the_hard_dev_set_is_read_and_its_clean_messages_spared():
    scores = _scores("privacy_hard_dev.jsonl")
    assert scores["recall"] >= 0.95 and scores["clean_not_flagged"] == 1.0, scores


def test_the_check_set_written_after_tuning():
    scores = _scores("privacy_hard_check.jsonl")
    assert scores["recall"] >= 0.9 and scores["clean_not_flagged"] == 1.0, scores


# --- hostile input: no pattern added here can backtrack without bound ---------------------------

NEW_PATTERNS = {
    **{name: pattern for name, (_script, pattern, _rank) in privacy._ADDRESS_PATTERNS.items()},
    "iban": privacy._IBAN,
    "wallet_trade_no": privacy._WALLET_TRADE_NO,
    "pix_e2e": privacy._PIX_E2E,
    "payment_context": privacy._PAYMENT_CONTEXT,
}


@pytest.mark.parametrize("name", sorted(NEW_PATTERNS))
def test_no_pattern_nests_an_unbounded_repeat(name):
    pattern = NEW_PATTERNS[name]
    assert nested_unbounded_repeats(pattern.pattern, pattern.flags) == 0


def test_the_nesting_count_sees_catastrophic_shapes():
    assert nested_unbounded_repeats(r"(a+)+$", 0) == 1
    assert nested_unbounded_repeats(r"(?:\w+\s)*x", 0) == 1
    assert nested_unbounded_repeats(r"(?:\w++\s){1,3}x", 0) == 0


HOSTILE = {
    "en_street": "1 " + "Aa " * 3330 + "x",
    "en_announced": "address: 1 " + "a " * 4990,
    "po_box": "PO Box " + "1 12 " * 1990,
    "grid_street": "Calle 1 # " * 1000,
    "zh_road": "路" * 5000 + "1" * 5000,
    "zh_building": "1栋" * 5000,
    "ja_dashed": "区" + "あ" * 9998 + "1",
    "es_pt_lower_case": "calle " + "a " * 4995,
    "es_pt_street": "Calle " + "A de " * 1995,
    "de_street_postcode": "A an " * 2000 + "1",
    "fr_rare_street": "1 square " * 1110,
    "ru_name_first": "Аа " * 3333 + "ул.",
    "ar_number_first": "1 شارع " + "ب " * 4990,
    "ko_flat": "1동 " * 3333,
    "iban": "DE89 " + "0 " * 4995,
    "wallet_trade_no": "2026031422" * 1000,
    "pix_e2e": "E" + "1" * 9999,
    "payment_context": "payment " * 1250,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_10000_character_hostile_input_is_read(name):
    # The nesting count above is what rules catastrophic backtracking out; this runs each shape
    # through the whole guard so a crash or a runaway pattern shows up as a failing (or hanging) test.
    text = HOSTILE[name][:10_000]
    assert len(text) >= 9_000
    for f in private_data_find(text):
        assert text[f.start : f.end] == f.text
