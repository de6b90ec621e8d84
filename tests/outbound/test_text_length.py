"""Weighted length by X's rules (twitter-text v3): Latin 1, CJK 2, emoji 2, any URL 23."""

import pytest

from crm_twitter.services.errors import ComposeRefused
from crm_twitter.services.text_length import (
    dm_text_validate,
    tweet_has_invalid_characters,
    tweet_text_validate,
    tweet_urls,
    tweet_weighted_length,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 5),
        ("café ß ñ ü", 10),  # Latin with accents weighs 1
        ("e\u0301", 1),  # NFC-normalised: e + combining accent is one character
        ("你好世界", 8),  # CJK weighs 2
        ("日本語テキスト", 14),  # kanji and katakana
        ("한국어", 6),  # Hangul
        ("Hi 你好", 7),  # mixed scripts
        ("😀", 2),  # emoji 2
        ("👍🏽", 2),  # skin-tone sequence is one emoji
        ("👨\u200d👩\u200d👧\u200d👦", 2),  # ZWJ family
        ("🇯🇵", 2),  # flag
        ("❤\ufe0f\u200d🔥", 2),  # newer (Unicode 13.1) sequence the library alone counts as 5
        ("😮\u200d💨", 2),
        ("🫶🏾", 2),  # Unicode 14 with skin tone
        ("🧔🏽\u200d♂\ufe0f", 2),
        ("https://example.com", 23),  # short URL still 23
        ("https://example.com/a/very/long/path/that/goes/on/and/on/for/quite/a/while?q=1", 23),
        ("see example.com/help now", 4 + 23 + 4),  # URL without protocol
        ("😀 https://example.com", 2 + 1 + 23),
        ("请看 https://example.com 谢谢", 4 + 1 + 23 + 1 + 4),
        ("a\r\nb", 3),  # CRLF counts as one line break
        ("\u2018quoted\u2019 \u2014 dash", 15),  # general punctuation U+2010–U+201F weighs 1
        ("…", 2),  # U+2026 is outside X's weight-1 ranges
    ],
)
def test_weighted_length_agrees_with_x_rules(text, expected):
    assert tweet_weighted_length(text) == expected


def test_280_latin_characters_are_allowed_and_281_are_refused():
    assert tweet_text_validate("a" * 280) == 280
    with pytest.raises(ComposeRefused) as exc:
        tweet_text_validate("a" * 281)
    assert exc.value.code == "too_long"
    assert "281 of 280" in exc.value.message


def test_140_cjk_characters_fill_a_tweet():
    assert tweet_text_validate("中" * 140) == 280
    with pytest.raises(ComposeRefused):
        tweet_text_validate("中" * 141)


def test_long_urls_do_not_make_a_reply_too_long():
    text = "x" * 250 + " https://example.com/" + "p" * 200
    assert tweet_weighted_length(text) == 250 + 1 + 23
    tweet_text_validate(text)


def test_emoji_fill_a_tweet_at_140():
    tweet_text_validate("❤\ufe0f\u200d🔥" * 140)
    with pytest.raises(ComposeRefused):
        tweet_text_validate("😀" * 141)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_refused(text):
    with pytest.raises(ComposeRefused) as exc:
        tweet_text_validate(text)
    assert exc.value.code == "empty"
    with pytest.raises(ComposeRefused) as exc:
        dm_text_validate(text)
    assert exc.value.code == "empty"


def test_characters_x_rejects_are_refused():
    assert tweet_has_invalid_characters("bad \ufffe char")
    assert not tweet_has_invalid_characters("fine 😀 中文")
    with pytest.raises(ComposeRefused) as exc:
        tweet_text_validate("bad \ufffe char")
    assert exc.value.code == "invalid"


def test_dm_limit_is_characters_not_weight(settings):
    settings.CRM_TWITTER = {"DM_MAX_LENGTH": 10}
    dm_text_validate("中文中文中文中文中文")  # 10 characters, weight 20: fine for a DM
    with pytest.raises(ComposeRefused) as exc:
        dm_text_validate("x" * 11)
    assert exc.value.code == "too_long"


def test_urls_are_found_like_x_finds_them():
    assert tweet_urls("DM us: https://twitter.com/messages/compose?recipient_id=1&text=Hi") == [
        "https://twitter.com/messages/compose?recipient_id=1&text=Hi"
    ]
    assert tweet_urls("we'll order soon. thanks!") == []
