"""After resolution: ask for a 1–5 rating by DM, and understand the customer's answer.

Customers answer "4", "4/5", "★★★★☆", "⭐⭐⭐⭐⭐", "5️⃣", "excellent", "非常满意", "muy bien",
"sehr gut", "très bien", "とても満足" … ``satisfaction_parse`` returns None whenever it is not
sure — a wrong rating is worse than none. A rating is stored only from a short DM reply to a
resolved case whose survey was sent; anything else is a normal message (and reopens the case).
"""

from __future__ import annotations

import logging
import re
import unicodedata

from django.db import transaction
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import Case, CaseEvent, CaseStatus

logger = logging.getLogger(__name__)

# A reply longer than this is a message, not a rating.
RATING_REPLY_MAX_CHARS = 60

# Phrases per score; longer phrases are tried first so "not good" never reads as "good".
WORDS: dict[int, tuple[str, ...]] = {
    5: (
        "excellent",
        "perfect",
        "amazing",
        "awesome",
        "outstanding",
        "fantastic",
        "great job",
        "very satisfied",
        "extremely satisfied",
        "superb",
        "the best",
        "非常满意",
        "非常好",
        "很满意",
        "太棒了",
        "完美",
        "特别满意",
        "excelente",
        "perfecto",
        "muy satisfecho",
        "muy satisfecha",
        "genial",
        "increíble",
        "estupendo",
        "ausgezeichnet",
        "hervorragend",
        "perfekt",
        "sehr gut",
        "sehr zufrieden",
        "super",
        "spitze",
        "toll",
        "très satisfait",
        "très satisfaite",
        "parfait",
        "génial",
        "excellente",
        "formidable",
        "とても満足",
        "大変満足",
        "非常に満足",
        "最高",
        "完璧",
        "素晴らしい",
    ),
    4: (
        "very good",
        "good",
        "satisfied",
        "pretty good",
        "happy",
        "great",
        "nice",
        "fine job",
        "满意",
        "很好",
        "不错",
        "挺好",
        "muy bien",
        "bien",
        "bueno",
        "satisfecho",
        "satisfecha",
        "contento",
        "contenta",
        "gut",
        "zufrieden",
        "très bien",
        "bien",
        "satisfait",
        "satisfaite",
        "content",
        "contente",
        "満足",
        "良い",
        "よかった",
        "とても良い",
    ),
    3: (
        "ok",
        "okay",
        "average",
        "so-so",
        "so so",
        "neutral",
        "fair",
        "not bad",
        "meh",
        "一般",
        "还行",
        "还可以",
        "马马虎虎",
        "regular",
        "normal",
        "más o menos",
        "aceptable",
        "geht so",
        "mittelmäßig",
        "okay",
        "in ordnung",
        "durchschnittlich",
        "moyen",
        "correct",
        "passable",
        "bof",
        "普通",
        "まあまあ",
        "ふつう",
    ),
    2: (
        "bad",
        "poor",
        "not good",
        "disappointed",
        "unhappy",
        "dissatisfied",
        "not satisfied",
        "不满意",
        "差",
        "不好",
        "失望",
        "mal",
        "malo",
        "insatisfecho",
        "insatisfecha",
        "decepcionado",
        "decepcionada",
        "no muy bien",
        "schlecht",
        "unzufrieden",
        "enttäuscht",
        "nicht gut",
        "mauvais",
        "pas bien",
        "insatisfait",
        "insatisfaite",
        "déçu",
        "déçue",
        "pas satisfait",
        "不満",
        "悪い",
        "よくない",
        "残念",
    ),
    1: (
        "terrible",
        "awful",
        "horrible",
        "worst",
        "very bad",
        "very poor",
        "useless",
        "disaster",
        "非常差",
        "很差",
        "太差",
        "非常不满意",
        "垃圾",
        "最差",
        "muy mal",
        "muy malo",
        "pésimo",
        "fatal",
        "horrible",
        "sehr schlecht",
        "furchtbar",
        "katastrophal",
        "miserabel",
        "sehr unzufrieden",
        "très mauvais",
        "très mal",
        "nul",
        "catastrophique",
        "très insatisfait",
        "最悪",
        "とても不満",
        "非常に悪い",
        "ひどい",
        "大変不満",
    ),
}

_NEGATIONS = ("not ", "no ", "nicht ", "pas ", "不", "没")

_KEYCAPS = {f"{d}\ufe0f\u20e3": d for d in "12345"} | {f"{d}\u20e3": d for d in "12345"}
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "un": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
}


def _normalise(text: str) -> str:
    text = text or ""
    for cap, digit in _KEYCAPS.items():
        text = text.replace(cap, f" {digit} ")
    # NFKC turns full-width digits (４) and ／ into ASCII.
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _stars(text: str) -> int | None:
    """★★★★☆ → 4, ⭐⭐⭐ → 3; None without stars, 0 for an unreadable row (too many, none filled)."""
    full = sum(text.count(ch) for ch in "★⭐🌟")
    empty = text.count("☆")
    if full == 0 and empty == 0:
        return None
    if full == 0 or full + empty > 5 or (empty and full + empty != 5):
        return 0
    return full


def _phrase_score(text: str) -> int | None:
    """Score from words: longest phrases win ("not bad" over "bad"); contradicting phrases → unsure."""
    hits: list[tuple[int, int, int, int]] = []  # (-len, start, end, score)
    for score, phrases in WORDS.items():
        for phrase in phrases:
            cjk = any(ord(ch) >= 0x2E80 for ch in phrase)
            pattern = re.escape(phrase) if cjk else rf"(?<!\w){re.escape(phrase)}(?!\w)"
            hits.extend((-len(phrase), m.start(), m.end(), score) for m in re.finditer(pattern, text))
    chosen: list[tuple[int, int, int]] = []  # (start, end, score) of non-overlapping phrases
    for _, start, end, score in sorted(hits):
        if any(start < c_end and c_start < end for c_start, c_end, _ in chosen):
            continue
        # A negation right before a positive phrase turns it around ("not happy" → 2).
        if score >= 4 and any(text[max(0, start - len(n)) : start] == n for n in _NEGATIONS):
            score = 2
        chosen.append((start, end, score))
    if not chosen:
        return None
    scores = [score for _, _, score in chosen]
    if max(scores) - min(scores) >= 2:
        return None
    return scores[0]


def satisfaction_parse(text: str) -> int | None:
    """A 1–5 rating from a short reply, or None when unsure."""
    t = _normalise(text)
    if not t:
        return None
    stars = _stars(t)
    if stars is not None:
        return stars if 1 <= stars <= 5 else None
    # "4/5", "4 / 5", "4 out of 5", "4 von 5", "4 sur 5", "4 de 5", "5点中4"
    m = re.search(r"(?<![\d.])([1-5])\s*(?:/|out of|of|von|sur|de)\s*5(?![\d.])", t)
    if m:
        return int(m.group(1))
    digits = re.findall(r"(?<![\d.,])(\d+)(?:\s*(?:points?|分|点|stars?|sterne|étoiles?|estrellas?))?(?![\d.,])", t)
    if digits:
        values = {int(d) for d in digits}
        if len(values) == 1 and 1 <= next(iter(values)) <= 5:
            return next(iter(values))
        return None
    words = re.findall(r"\w+", t)
    numbers = {_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS}
    if len(numbers) == 1 and len(words) <= 3:
        return numbers.pop()
    return _phrase_score(t)


def satisfaction_reply_score(text: str) -> int | None:
    """The rating in a survey answer: short replies only (a long message is a new problem)."""
    if len((text or "").strip()) > RATING_REPLY_MAX_CHARS:
        return None
    return satisfaction_parse(text)


def satisfaction_record(*, case: Case, score: int, comment: str = "", actor=None) -> Case:
    """Store the customer's rating (1–5) on the case, with an event."""
    from crm_twitter.services.case_writes import case_lock, case_save, event_add
    from crm_twitter.services.errors import CaseRuleError

    if not isinstance(score, int) or not 1 <= score <= 5:
        raise CaseRuleError("A rating is a whole number from 1 to 5.", field="satisfaction", code="invalid_rating")
    with transaction.atomic():
        case = case_lock(case)
        case.satisfaction, case.satisfaction_comment = score, comment[:2000]
        case_save(case, ["satisfaction", "satisfaction_comment"])
        event_add(case, CaseEvent.Kind.SATISFACTION, actor, f"Customer rated {score}/5", {"score": score})
    return case


def satisfaction_survey_queue(*, case_id: int, actor=None) -> bool:
    """Queue the rating DM through the outbound service when it is installed and the setting is on.

    Runs after the resolution committed; any refusal (no DM allowed, no template) is logged and
    skipped — the resolution itself stands.
    """
    from crm_twitter.services.errors import CaseRuleError

    if not app_settings.SATISFACTION_SURVEY:
        return False
    try:
        from crm_twitter.services.compose import reply_compose
        from crm_twitter.services.templates import template_choose, template_render
    except ImportError:
        return False
    try:
        with transaction.atomic():
            case = Case.objects.select_related("customer_x_user").get(pk=case_id)
            if case.status != CaseStatus.RESOLVED or case.satisfaction_requested_at or case.customer_x_user_id is None:
                return False
            template = template_choose(step="satisfaction", language=case.language or "en", channel="dm")
            if template is None and (case.language or "en") != "en":
                template = template_choose(step="satisfaction", language="en", channel="dm")
            if template is None:
                return False
            # Claim the survey with a conditional UPDATE before composing: of two concurrent
            # callers (a double click, a retried task) only one sees the row change, so the
            # customer is asked once. A failure below rolls the claim back with the DM.
            claimed = Case.objects.filter(
                pk=case_id, status=CaseStatus.RESOLVED, satisfaction_requested_at__isnull=True
            ).update(satisfaction_requested_at=timezone.now())
            if not claimed:
                return False
            text = template_render(template=template, case=case, actor=actor)
            reply_compose(case=case, actor=actor, channel="dm", text=text, template=template)
        return True
    except CaseRuleError as exc:
        # An expected refusal (the customer closed their DMs, the DM budget is spent): one line
        # saying why, not a traceback that reads like a crash.
        logger.info("crm_twitter: satisfaction survey for case %s not sent: %s", case_id, exc.message)
        return False
    except Exception:  # the survey is a courtesy: never fail the resolution over it
        logger.warning("crm_twitter: satisfaction survey for case %s not queued", case_id, exc_info=True)
        return False
