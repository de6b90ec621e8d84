"""Text normalisation shared by the classifier and the language detector.

Both see tweets full of things that carry no meaning for them: @handles, URLs, order numbers,
emoji. Normalising them the same way at training and at prediction time is what lets a model
trained on the shipped corpus read a desk's real traffic.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_CHARS = 2000  # a 10,000-character DM says what it is about long before its end

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,50}")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
# Letters of any script; digits, punctuation, symbols and emoji carry no language.
_NOT_LETTER = re.compile(r"[\W\d_]+")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str | None) -> str:
    """NFKC-normalised text without lone surrogates (invalid UTF-8 decoded with surrogateescape)."""
    if not text:
        return ""
    text = _LONE_SURROGATE.sub(" ", str(text)[: MAX_CHARS * 2])
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=8192)
def for_classifier(text: str | None) -> str:
    """Casefolded text with handles, URLs and numbers reduced to one token each.

    "@acme_help order 40001234 https://t.co/x" → "@ order 0 url": the model learns that an
    order number was given, not which one. Cached: both feature extractors read each text.
    """
    text = clean(text)[:MAX_CHARS].casefold()
    text = _URL.sub(" url ", text)
    text = _HANDLE.sub(" @ ", text)
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def for_language(text: str | None) -> str:
    """Only the words: handles, URLs, hashtags' '#', digits, emoji and punctuation removed."""
    text = clean(text)[:MAX_CHARS]
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return _SPACE.sub(" ", _NOT_LETTER.sub(" ", text)).strip()


def is_cjk_or_hangul(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0x1100 <= o <= 0x11FF
