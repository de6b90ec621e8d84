"""Language detection: DMs and ``und`` tweets get a language, offline, in the ten desk languages."""

from __future__ import annotations

import pytest

from crm_twitter.classify.language import language_detect, language_detector_check, languages_detect
from crm_twitter.services.message_routing import message_languages


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("@AcmeHelp my parcel never arrived and nobody answers my emails", "en"),
        ("我的快递三个星期了还没到，客服也不回复", "zh"),
        ("Mi pedido todavía no ha llegado y nadie me responde", "es"),
        ("Meine Bestellung ist immer noch nicht angekommen", "de"),
        ("Ma commande n'est toujours pas arrivée, c'est inadmissible", "fr"),
        ("注文した商品がまだ届きません。どうなっていますか", "ja"),
        ("Meu pedido ainda não chegou, cadê o rastreio?", "pt"),
        ("Моя посылка до сих пор не пришла, что происходит?", "ru"),
        ("주문한 물건이 아직 안 왔어요 언제 와요?", "ko"),
        ("طلبي لم يصل حتى الآن، متى سيصل؟", "ar"),
        # Handles, links, numbers and emoji carry no language and do not confuse it.
        ("@AcmeHelp @DHL_Global 📦😡 https://t.co/xYz123 pedido 40001234 no llegó", "es"),
        # Mixed scripts: Japanese uses kanji, kana makes it Japanese, not Chinese.
        ("荷物が届かない", "ja"),
    ],
)
def test_each_desk_language_is_detected(text, code):
    assert language_detect(text) == code


@pytest.mark.parametrize("text", ["", "   ", "😡😡📦", "https://t.co/abc", "@AcmeHelp", "12345678", "ok", None])
def test_nothing_to_go_on_gives_none(text):
    assert language_detect(text) is None


def test_a_10000_character_dm_and_lone_surrogates_are_read_without_error():
    assert language_detect("Mi pedido no ha llegado. " * 400) == "es"
    assert language_detect("Where is my order \ud800 please") == "en"


def test_batches_keep_their_order():
    assert languages_detect(["hola, mi pedido no llegó", "", "where is my parcel"]) == ["es", None, "en"]


def test_x_language_wins_when_it_names_one_and_detection_fills_the_gaps():
    assert message_languages(
        [
            ("where is my parcel", "en"),
            ("Mi pedido no ha llegado", "und"),
            ("Ma commande n'est pas arrivée", ""),
            ("🙂", ""),
        ]
    ) == ["en", "es", "fr", ""]


def test_the_candidate_languages_are_a_setting_checked_at_start_up():
    assert language_detector_check(["en", "es"]) is None
    assert "Unknown ISO 639-1" in language_detector_check(["en", "xx"])
    assert "at least two" in language_detector_check(["en"])
