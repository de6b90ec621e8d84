"""The privacy guard catches private data in six languages and leaves ordinary replies alone.

The other four languages, marketplace order shapes, card digits and decoys: test_privacy_shapes.py.
"""

import pytest

from crm_twitter.services.privacy import private_data_find

CATCHES = [
    # (language, text, kind, the private part)
    ("en", "Your order 40001234 has shipped", "order_number", "40001234"),
    ("en", "Order #AB-1234567 is delayed", "order_number", "AB-1234567"),
    ("en", "Tracking RR123456789CN is at customs", "tracking_number", "RR123456789CN"),
    ("en", "UPS says 1Z999AA10123456784", "tracking_number", "1Z999AA10123456784"),
    ("en", "Is your email jane.doe@example.com?", "email", "jane.doe@example.com"),
    ("en", "We'll call you on +1 415-555-2671", "phone", "+1 415-555-2671"),
    ("en", "PayPal transaction 8MC585209K746392H was refunded", "payment_reference", "8MC585209K746392H"),
    ("en", "Refund issued for PAYID-MABCDE123456", "payment_reference", "PAYID-MABCDE123456"),
    ("en", "Card 4111 1111 1111 1111 was charged", "card_number", "4111 1111 1111 1111"),
    ("en", "Reship to 221B Baker Street, London", "address", "221B Baker Street"),
    ("zh", "您的订单号 20261128001 已发货", "order_number", "20261128001"),
    ("zh", "快递单号 SF1234567890123 已签收", "tracking_number", "SF1234567890123"),
    ("zh", "请确认邮箱 wang.fang@example.cn", "email", "wang.fang@example.cn"),
    ("zh", "我们会致电 13812345678", "phone", "13812345678"),
    ("zh", "支付宝交易号 2026112822001412345678", "payment_reference", "2026112822001412345678"),
    ("zh", "寄到上海市浦东新区世纪大道100号", "address", "上海市浦东新区世纪大道100号"),
    ("es", "Tu número de pedido 40001234 está en camino", "order_number", "40001234"),
    ("es", "Te llamamos al 612 34 56 78", "phone", "612 34 56 78"),
    ("es", "Escribe a maria@correo.es", "email", "maria@correo.es"),
    ("es", "Referencia de pago: 5TY05013RG002845M", "payment_reference", "5TY05013RG002845M"),
    ("es", "Lo enviamos a Calle Mayor 12, Madrid", "address", "Calle Mayor 12"),
    ("de", "Bestellnummer 40001234 ist unterwegs", "order_number", "40001234"),
    ("de", "Ruf uns an: Tel. 030 12345678", "phone", "030 12345678"),
    ("de", "Sendungsnummer 00340434161094042557", "tracking_number", "00340434161094042557"),
    ("de", "Zahlung mit Karte 5555 5555 5555 4444", "card_number", "5555 5555 5555 4444"),
    ("de", "Lieferung an Hauptstraße 5, Berlin", "address", "Hauptstraße 5"),
    ("fr", "Votre numéro de commande 40001234", "order_number", "40001234"),
    ("fr", "Appelez-nous au 06 12 34 56 78", "phone", "06 12 34 56 78"),
    ("fr", "Écrivez à jean.dupont@exemple.fr", "email", "jean.dupont@exemple.fr"),
    ("fr", "Envoi au 12 rue de la Paix, Paris", "address", "12 rue de la Paix"),
    ("ja", "ご注文番号 123456789 を確認しました", "order_number", "123456789"),
    ("ja", "お電話 090-1234-5678 までご連絡ください", "phone", "090-1234-5678"),
    ("ja", "メール taro@example.jp に送りました", "email", "taro@example.jp"),
    ("ja", "東京都渋谷区神南1丁目2番3号 にお届けします", "address", "東京都渋谷区神南1丁目2番3号"),
    ("ja", "決済番号 PAYID-JP12345678 を確認", "payment_reference", "PAYID-JP12345678"),
]


@pytest.mark.parametrize(("language", "text", "kind", "part"), CATCHES)
def test_private_data_is_caught(language, text, kind, part):
    findings = private_data_find(text)
    assert [f.kind for f in findings] == [kind], language
    finding = findings[0]
    assert finding.text == text[finding.start : finding.end]
    # An address may start a word early in scripts without spaces ("寄到上海市…"); the rest is exact.
    assert part in finding.text if kind == "address" else finding.text == part
    assert part in finding.explanation and "DM" in finding.explanation


def test_tracking_patterns_from_settings_are_used(settings):
    settings.CRM_TWITTER = {"TRACKING_NUMBER_PATTERNS": [r"\b(JJD\d{15})\b"]}
    assert [f.kind for f in private_data_find("Sendung JJD000390007827453")] == ["tracking_number"]


def test_a_known_order_number_in_a_store_format_is_caught():
    findings = private_data_find("About order ZX-99-A1 we are sorry", known=["ZX-99-A1"])
    assert [(f.kind, f.text) for f in findings] == [("order_number", "ZX-99-A1")]


def test_several_private_parts_are_each_reported():
    text = "Order 40001234 for jane@example.com, tracking RR123456789CN"
    assert [f.kind for f in private_data_find(text)] == ["order_number", "email", "tracking_number"]


ORDINARY = [
    "We'll ship your order soon, by 2026-11-28 at 14:30.",
    "Your refund of $59.90 will arrive within 48 hours.",
    "We will order soon a replacement for you!",
    "Please allow 5-7 business days. Our team is available 24/7.",
    "Sorry for the wait! We replied in DM. ^AS",
    "Your case CS-2026-000123 is resolved, thank you!",
    "Hi @customer12, please DM us: https://twitter.com/messages/compose?recipient_id=900000001&text=Order%20number%3A%20",
    "您的订单会尽快发货，预计 2026年11月28日 送达，退款 59.90 元。",
    "Su pedido llegará pronto, el 28/11/2026 antes de las 14:30.",
    "Ihre Bestellung kommt bald, am 28.11.2026 um 14:30 Uhr, Erstattung 59,90 €.",
    "Votre commande arrive bientôt, le 28/11/2026, remboursement de 59,90 €.",
    "ご注文は2026年11月28日までに発送します。48時間以内にご連絡します。",
    "Version 3.14.15 fixed it; 100% refund within 30 days for 2 items.",
    "We'll refund your payment in 3 days. Reference your case when you DM us.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_replies_raise_no_false_alarm(text):
    assert private_data_find(text) == []
