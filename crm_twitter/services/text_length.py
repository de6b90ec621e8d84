"""How long a post is in X's eyes, and whether a reply or DM text may be sent at all.

X does not count characters: it counts a *weighted length* (twitter-text v3). Latin and most
European scripts weigh 1, CJK and other scripts weigh 2, every URL counts as 23 whatever its real
length, and every emoji counts as 2 however many code points it is made of. We use the maintained
port of X's own library (``twitter-text-parser``, import ``twitter_text``), which passes X's
conformance suite, instead of our own counting.

Where that library is unsound, and how we wrap it:

* Its emoji table is Unicode 12 (2019). Newer emoji sequences (``❤️‍🔥``, ``😮‍💨``, ``🫶🏾``,
  ``🧔🏽‍♂️``, ``🐦‍🔥``…) are not recognised as one emoji and get counted code point by code point
  (5–9 instead of 2), so a valid reply would be refused. Before counting we collapse every emoji
  sequence (a pictograph with its skin tone, variation selector and ZWJ-joined parts) to a
  single emoji the library knows, which X then counts as 2 like any emoji.
* It lowers nothing else: URLs (23), CJK (2), NFC normalisation and ``\\r\\n`` as one character
  agree with X's documented rules; tests in ``tests/outbound/test_text_length.py`` pin them.
"""

from __future__ import annotations

import re

from twitter_text import extract_urls, parse_tweet
from twitter_text.has_invalid_characters import has_invalid_characters

from crm_twitter.conf import app_settings
from crm_twitter.services.errors import ComposeRefused

# A pictograph: the emoji blocks plus the older symbol blocks X shows as emoji.
_PICTO = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3"
    "\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf\u2934\u2935\u2b05-\u2b07"
    "\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_MODIFIERS = "\ufe0f\U0001f3fb-\U0001f3ff"  # variation selector-16 and skin tones
_ELEMENT = f"[{_PICTO}][{_MODIFIERS}]*"
_EMOJI_SEQUENCE = re.compile(f"{_ELEMENT}(?:\u200d{_ELEMENT})+|[{_PICTO}][{_MODIFIERS}]+")
_KNOWN_EMOJI = "\U0001f600"  # 😀, a plain emoji the library counts as 2


def _collapse_emoji_sequences(text: str) -> str:
    """Replace each multi-code-point emoji sequence with one emoji X counts as 2."""

    def collapse(match: re.Match[str]) -> str:
        # Sequences the library already knows weigh 2 either way; only newer ones shrink.
        return _KNOWN_EMOJI if parse_tweet(match.group(0)).weightedLength > 2 else match.group(0)

    return _EMOJI_SEQUENCE.sub(collapse, text)


def tweet_weighted_length(text: str) -> int:
    """X's weighted length of ``text`` (URLs 23, CJK and emoji 2, most Latin 1)."""
    if not text:
        return 0
    return parse_tweet(_collapse_emoji_sequences(text)).weightedLength


def tweet_has_invalid_characters(text: str) -> bool:
    """True when X would refuse the text for a character it does not accept (U+FFFE, U+FEFF…)."""
    return bool(text) and has_invalid_characters(text)


def tweet_urls(text: str) -> list[str]:
    """The URLs X will find (and count as 23, and bill as a post with a URL) in ``text``."""
    return extract_urls(text) if text else []


def tweet_text_validate(text: str) -> int:
    """Refuse an empty public text, one over X's weighted limit, or one with characters X rejects.

    Returns the weighted length so callers can show it.
    """
    limit = app_settings.TWEET_MAX_WEIGHTED_LENGTH
    if not text or not text.strip():
        raise ComposeRefused("The reply is empty: write something before sending.", code="empty", field="text")
    length = tweet_weighted_length(text)
    if length > limit:
        raise ComposeRefused(
            f"The reply is too long for X: {length} of {limit} (links count as 23, Chinese/Japanese/Korean "
            "characters and emoji as 2). Shorten it, or send the details by DM.",
            code="too_long",
            field="text",
        )
    if tweet_has_invalid_characters(text):
        raise ComposeRefused("The reply contains a character X does not accept.", code="invalid", field="text")
    return length


def dm_text_validate(text: str) -> None:
    """Refuse an empty DM or one over X's DM limit (characters, not weighted)."""
    limit = app_settings.DM_MAX_LENGTH
    if not text or not text.strip():
        raise ComposeRefused("The message is empty: write something before sending.", code="empty", field="text")
    if len(text) > limit:
        raise ComposeRefused(
            f"The message is too long for an X DM: {len(text)} of {limit} characters.", code="too_long", field="text"
        )
