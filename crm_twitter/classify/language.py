"""Which language a message is written in, offline and in-process.

X labels most tweets itself, but DMs carry no language and short or emoji-heavy tweets come as
``und``; a first-contact DM would then route to the fallback team and get English templates.
Lingua (``lingua-language-detector``) ships its models inside the package, is built for short
and mixed-language text, and answers in tens of microseconds when it chooses among the handful
of languages a desk serves (``LANGUAGE_DETECTION_LANGUAGES``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lingua import IsoCode639_1, LanguageDetectorBuilder

from crm_twitter.classify.text import for_language, is_cjk_or_hangul

# Fewer letters than this (outside CJK/Hangul) say nothing reliable: "ok", "thx", "??".
MIN_LETTERS = 3


@lru_cache(maxsize=4)
def _detector(codes: tuple[str, ...]):
    languages = []
    for code in codes:
        iso = getattr(IsoCode639_1, code.upper(), None)
        if iso is None:
            raise ValueError(f"Unknown ISO 639-1 language code for detection: {code!r}")
        languages.append(iso)
    if len(languages) < 2:
        raise ValueError("Language detection needs at least two candidate languages.")
    return LanguageDetectorBuilder.from_iso_codes_639_1(*languages).build()


def detection_languages() -> tuple[str, ...]:
    from crm_twitter.conf import app_settings

    return tuple(str(c).lower() for c in app_settings.LANGUAGE_DETECTION_LANGUAGES)


def language_detector_check(codes: Iterable[str]) -> str | None:
    """Why ``codes`` cannot be used for detection, or None when they can (for system checks)."""
    try:
        _detector(tuple(str(c).lower() for c in codes))
    except (ValueError, TypeError, AttributeError) as exc:
        return str(exc)
    return None


# Scripts that name a single language among the usual candidates: decided without the model.
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),  # Hangul
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana (Japanese mixes kanji with it; Chinese never does)
)
_ONLY_SCRIPT = (
    ("ar", re.compile(r"^[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff ]+$")),  # Arabic letters only
    ("zh", re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff ]+$")),  # Han characters only
    ("ru", re.compile(r"^[\u0400-\u04ff ]+$")),  # Cyrillic only
)
# Enough to tell the language; the rest of a long DM only costs time.
DETECT_CHARS = 300


def _by_script(words: str, candidates: tuple[str, ...]) -> str | None:
    """The language a script gives away, when the desk's candidates leave no doubt."""
    for code, pattern in _SCRIPTS:
        if code in candidates and pattern.search(words):
            return code
    for code, pattern in _ONLY_SCRIPT:
        if code in candidates and pattern.match(words) and not _shares_script(code, candidates):
            return code
    return None


def _shares_script(code: str, candidates: tuple[str, ...]) -> bool:
    """Another candidate written in the same script (Ukrainian beside Russian, Persian beside Arabic)."""
    siblings = {"ru": {"uk", "be", "bg", "sr", "mk", "kk"}, "ar": {"fa", "ur"}, "zh": set()}
    return bool(siblings.get(code, set()).intersection(candidates))


def _enough(words: str) -> bool:
    letters = 0
    for ch in words:
        if is_cjk_or_hangul(ch):
            return True
        if ch != " ":
            letters += 1
            if letters >= MIN_LETTERS:
                return True
    return False


def language_detect(text: str | None, *, languages: Sequence[str] | None = None) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text has no words to go on."""
    return languages_detect([text], languages=languages)[0]


def languages_detect(texts: Sequence[str | None], *, languages: Sequence[str] | None = None) -> list[str | None]:
    """``language_detect`` for a batch (the detector is built once per process)."""
    candidates = tuple(languages) if languages else detection_languages()
    detector = _detector(candidates)
    out: list[str | None] = []
    for text in texts:
        words = for_language(text)[:DETECT_CHARS]
        if not _enough(words):
            out.append(None)
            continue
        known = _by_script(words, candidates)
        if known is not None:
            out.append(known)
            continue
        found = detector.detect_language_of(words)
        out.append(found.iso_code_639_1.name.lower() if found is not None else None)
    return out
