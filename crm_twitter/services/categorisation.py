"""Suggest a complaint category from the customer's words; an agent always confirms it.

The suggestion only fills ``Case.suggested_category``. ``Case.category`` (what the monthly
report counts) is set by a person through ``case_set_category`` — never automatically, because
a wrong automatic category would silently skew the report management acts on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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


def category_suggest(text: str, *, categories: Sequence[ComplaintCategory] | None = None) -> ComplaintCategory | None:
    """The category whose keywords match the text best, or None when nothing matches.

    Score = sum of the lengths of the matching keywords, so "never arrived" beats "late" and a
    precise phrase beats a generic word; ties go to the category listed first.
    """
    if categories is None:
        categories = categories_active()
    normalised = _normalise(text)
    if not normalised.strip():
        return None
    best: ComplaintCategory | None = None
    best_score = 0
    for category in categories:
        score = sum(
            len(kw) for kw in (category.keywords or []) if isinstance(kw, str) and _keyword_hits(normalised, kw)
        )
        if score > best_score:
            best, best_score = category, score
    return best
