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
# "sooo", "nadaaaa", "ㅠㅠㅠㅠ": a letter (or jamo) repeated three times or more says the same as
# twice; folding the runs lets the long and the short spelling share their n-grams. The pattern
# finds any run and the letter test is made on the (rare) match: a letter class in the pattern
# cost twice the time on every message.
_REPEATS = re.compile(r"(.)\1\1+")
# Arabizi (Arabic in Latin letters) writes ع ح ء خ ق as 3 7 2 5 9 inside words: "ma3", "re7a",
# "bey2ool". One digit glued to Latin letters is a letter there, not a number: it is kept, so "ba3d"
# does not become "ba0d" like an order number. Runs of digits ("SF1402938475") still become 0.
_ARABIZI_LETTERS = frozenset("235679")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")

# Texting shorthand of the desk's Latin-script languages, written out so the shorthand and the word
# share features and lexicon concepts ("refnd pls" reads as "refund please"). Only forms that mean
# one thing in every desk language: "n" (não) or "ur" (your/you're) are left alone. Values carry no
# accents, as the lexicon folds them away.
SHORTHAND: dict[str, str] = {
    "pkg": "package",
    "pckg": "package",
    "pkge": "package",
    "rfnd": "refund",
    "refnd": "refund",
    "rfund": "refund",
    "dlvrd": "delivered",
    "dlvd": "delivered",
    "delivrd": "delivered",
    "deliverd": "delivered",
    "rcvd": "received",
    "recvd": "received",
    "recieved": "received",
    "nvr": "never",
    "ordr": "order",
    "wks": "weeks",
    "wk": "week",
    "tmrw": "tomorrow",
    "pls": "please",
    "plz": "please",
    "tjs": "toujours",
    "tjrs": "toujours",
    "cmd": "commande",
    "rbrsmt": "remboursement",
    "xq": "porque",
    "pq": "porque",
    "tb": "tambien",
    "aki": "aqui",
    "nd": "nada",
    "vc": "voce",
    "vcs": "voces",
    "hj": "hoje",
    "agr": "agora",
    "msm": "mesmo",
    "td": "tudo",
    "pfv": "por favor",
    "nix": "nichts",
}
_SHORTHAND = re.compile(r"(?<![\w'])(" + "|".join(sorted(SHORTHAND, key=len, reverse=True)) + r")(?![\w'])")


def _letter_run_fold(match: re.Match[str]) -> str:
    run = match.group()
    return run[:2] if run[0].isalpha() else run


def shorthand_expand(text: str) -> str:
    """Casefolded ``text`` with texting shorthand written out and letter runs folded to two.

    Shared by the classifier's features and the lexicon, so "pkg nvr came!!! sooo mad" and
    "package never came" meet on the same tokens.
    """
    text = _REPEATS.sub(_letter_run_fold, text)
    return _SHORTHAND.sub(lambda m: SHORTHAND[m.group(1)], text)


def clean(text: str | None) -> str:
    """NFKC-normalised text without lone surrogates (invalid UTF-8 decoded with surrogateescape)."""
    if not text:
        return ""
    text = _LONE_SURROGATE.sub(" ", str(text)[: MAX_CHARS * 2])
    return unicodedata.normalize("NFKC", text)


def _number_or_letter(match: re.Match[str]) -> str:
    """ "0" for a number; an Arabizi letter digit ("ba3d", "3ayez", "arga3") is kept as it is."""
    digit, text, start = match.group(), match.string, match.start()
    if len(digit) == 1 and digit in _ARABIZI_LETTERS:
        before = text[start - 1] if start else " "
        after = text[start + 1 : start + 3]
        if after[:1] in _LATIN and (before in _LATIN or (not before.isalnum() and after[1:2] in _LATIN)):
            return digit  # "ba3d", "3ayez"
        if start >= 2 and text[start - 2] in _LATIN and before in _LATIN and not after[:1].isalnum():
            return digit  # "arga3", "ma3"
    return "0"


@lru_cache(maxsize=8192)
def for_classifier(text: str | None) -> str:
    """Casefolded text with handles, URLs and numbers reduced to one token each.

    "@acme_help order 40001234 https://t.co/x" → "@ order 0 url": the model learns that an
    order number was given, not which one. Texting shorthand is written out and letter runs
    folded (``shorthand_expand``); a lone digit inside Arabizi letters stays ("ba3d").
    Cached: both feature extractors read each text.
    """
    text = clean(text)[:MAX_CHARS].casefold()
    text = _URL.sub(" url ", text)
    text = _HANDLE.sub(" @ ", text)
    text = shorthand_expand(text)
    text = _DIGITS.sub(_number_or_letter, text)
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
