"""Suggest a complaint category from the customer's words; an agent always confirms it.

The suggestion only fills ``Case.suggested_category``. ``Case.category`` (what the monthly
report counts) is set by a person through ``case_set_category`` — never automatically, because
a wrong automatic category would silently skew the report management acts on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crm_twitter.models import ComplaintCategory


def categories_active() -> list[ComplaintCategory]:
    """Active categories in report order (one query; callers keep the list for a whole batch)."""
    return list(ComplaintCategory.objects.filter(is_active=True).order_by("sort_order", "name"))


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().replace("’", "'")


def _is_cjk(word: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in word)


def _keyword_hits(text: str, keyword: str) -> bool:
    kw = _normalise(keyword).strip()
    if not kw:
        return False
    if _is_cjk(kw):  # no spaces between words in zh/ja: a substring is a hit
        return kw in text
    return re.search(rf"(?<!\w){re.escape(kw)}(?!\w)", text) is not None


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Keyword:
    category: int  # index in the categories list
    weight: int  # len() of the keyword as the admin typed it
    needle: str  # normalised keyword (CJK: a substring)
    first_word: str  # Latin keyword starting with a word character: its first word must be a word of the text
    pattern: re.Pattern[str] | None  # Latin: whole-word match


@lru_cache(maxsize=16)
def _matcher(keywords: tuple[tuple[str, ...], ...]) -> tuple[_Keyword, ...]:
    """Every keyword normalised and compiled once per process (per distinct category set)."""
    out = []
    for index, words in enumerate(keywords):
        for keyword in words:
            kw = _normalise(keyword).strip()
            if not kw:
                continue
            if _is_cjk(kw):
                out.append(_Keyword(index, len(keyword), kw, "", None))
                continue
            first = _WORD.match(kw)
            out.append(
                _Keyword(
                    index,
                    len(keyword),
                    kw,
                    first.group(0) if first else "",
                    re.compile(rf"(?<!\w){re.escape(kw)}(?!\w)"),
                )
            )
    return tuple(out)


def category_suggest(text: str, *, categories: Sequence[ComplaintCategory] | None = None) -> ComplaintCategory | None:
    """The category whose keywords match the text best, or None when nothing matches.

    Score = sum of the lengths of the matching keywords, so "never arrived" beats "late" and a
    precise phrase beats a generic word; ties go to the category listed first. Batches call
    ``category_suggester`` once and reuse it for every message.
    """
    return category_suggester(categories_active() if categories is None else categories)(text)


def category_suggester(categories: Sequence[ComplaintCategory]) -> Callable[[str], ComplaintCategory | None]:
    """``category_suggest`` for one list of categories, with the keywords compiled once.

    Keywords are compiled once per process (cached on the categories' keyword lists, so an
    admin's edit takes effect with the next batch); a Latin keyword is only tried when its first
    word is one of the text's words, so a text costs a dictionary lookup per word of the text
    rather than a regex per keyword.
    """
    categories = list(categories)
    keywords = _matcher(tuple(tuple(kw for kw in (c.keywords or []) if isinstance(kw, str)) for c in categories))
    by_first_word: dict[str, list[_Keyword]] = {}
    always: list[_Keyword] = []  # CJK substrings, and Latin keywords that do not start with a word
    for kw in keywords:
        if kw.pattern is not None and kw.first_word:
            by_first_word.setdefault(kw.first_word, []).append(kw)
        else:
            always.append(kw)

    def suggest(text: str) -> ComplaintCategory | None:
        normalised = _normalise(text)
        if not normalised.strip():
            return None
        scores = [0] * len(categories)
        for kw in always:
            if kw.needle in normalised if kw.pattern is None else kw.pattern.search(normalised) is not None:
                scores[kw.category] += kw.weight
        for word in set(_WORD.findall(normalised)).intersection(by_first_word):
            for kw in by_first_word[word]:
                if kw.pattern.search(normalised) is not None:
                    scores[kw.category] += kw.weight
        best: ComplaintCategory | None = None
        best_score = 0
        for category, score in zip(categories, scores, strict=True):
            if score > best_score:
                best, best_score = category, score
        return best

    return suggest
