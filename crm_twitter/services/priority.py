"""How urgent a case is: a score from the signals a supervisor would look at, mapped to a priority.

Signals: reach (followers of the customer), engagement on the complaint tweet, age, repeated
contact, public nudges, words that announce a chargeback / PayPal dispute / lawyer / regulator
(in every supported language) and VIP customers. Weights live in ``PRIORITY_WEIGHTS`` and the
score → priority cut-offs in ``PRIORITY_THRESHOLDS``. Automatic recomputation only ever raises
a priority; lowering one is a person's decision (``case_edit``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from crm_twitter.conf import app_settings
from crm_twitter.models import Priority
from crm_twitter.models.choices import PRIORITY_RANK

# Words that mean the customer is about to go over our heads (payment provider, lawyer, regulator).
RISK_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "chargeback",
        "charge back",
        "paypal dispute",
        "paypal claim",
        "dispute with paypal",
        "open a dispute",
        "filing a dispute",
        "credit card dispute",
        "bank dispute",
        "lawyer",
        "attorney",
        "legal action",
        "sue you",
        "suing",
        "small claims",
        "consumer protection",
        "trading standards",
        "ftc",
        "bbb",
        "better business bureau",
        "ombudsman",
        "report you",
        "scam",
        "fraud",
    ),
    "zh": (
        "拒付",
        "退单",
        "争议",
        "paypal争议",
        "贝宝争议",
        "律师",
        "起诉",
        "法律",
        "消费者协会",
        "消协",
        "投诉到",
        "12315",
        "诈骗",
        "骗子",
    ),
    "es": (
        "contracargo",
        "disputa en paypal",
        "disputa de paypal",
        "reclamación en paypal",
        "abogado",
        "demanda judicial",
        "demandar",
        "denuncia",
        "protección al consumidor",
        "profeco",
        "omic",
        "estafa",
        "fraude",
    ),
    "de": (
        "rückbuchung",
        "chargeback",
        "paypal-konfliktfall",
        "paypal konflikt",
        "käuferschutz",
        "anwalt",
        "rechtsanwalt",
        "klage",
        "verbraucherzentrale",
        "verbraucherschutz",
        "betrug",
        "abzocke",
    ),
    "fr": (
        "rétrofacturation",
        "opposition bancaire",
        "litige paypal",
        "ouvrir un litige",
        "avocat",
        "porter plainte",
        "porte plainte",
        "poursuite",
        "dgccrf",
        "protection des consommateurs",
        "association de consommateurs",
        "arnaque",
        "escroquerie",
    ),
    "ja": (
        "チャージバック",
        "paypalで異議",
        "異議申し立て",
        "弁護士",
        "訴訟",
        "訴える",
        "消費者センター",
        "消費生活センター",
        "国民生活センター",
        "詐欺",
    ),
}


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


_WORD = re.compile(r"\w+")


def _first_word(word: str) -> str:
    match = _WORD.match(word)
    return match.group(0) if match else ""


# Latin-script words match as whole words (in RISK_WORDS order); CJK ones as substrings.
_LATIN_FIRST = {
    w: _first_word(w)
    for w in (_normalise(w) for words in RISK_WORDS.values() for w in words)
    if all(ord(ch) < 0x2E80 for ch in w)
}
_FIRST_WORDS = frozenset(_LATIN_FIRST.values())
_CJK_WORDS = tuple(_normalise(w) for words in RISK_WORDS.values() for w in words if any(ord(ch) >= 0x2E80 for ch in w))


@lru_cache(maxsize=256)
def _latin_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word alternation of ``words``, compiled once per set of candidates."""
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))


def risk_words_find(text: str) -> list[str]:
    """The risk words present in ``text`` (any supported language), in order of appearance.

    A whole-word match starts with the risk word's first word, which is then one of the text's
    words: most messages share none and cost a set intersection instead of a regex scan of every
    risk word at every position (this runs on every inbound message).
    """
    normalised = _normalise(text)
    firsts = _FIRST_WORDS.intersection(_WORD.findall(normalised))
    found: list[str] = []
    if firsts or "" in _FIRST_WORDS:
        candidates = tuple(w for w, first in _LATIN_FIRST.items() if first in firsts or not first)
        found = [m.group(0) for m in _latin_pattern(candidates).finditer(normalised)]
    found.extend(w for w in _CJK_WORDS if w in normalised)
    return found


@dataclass(frozen=True)
class PrioritySignals:
    reach: int = 0
    engagement: int = 0
    age: dt.timedelta = dt.timedelta(0)
    contact_count: int = 1
    public_nudges: int = 0
    has_risk_words: bool = False
    is_vip: bool = False


def priority_score(signals: PrioritySignals) -> int:
    """Points per signal, weighted by ``PRIORITY_WEIGHTS`` (see docs/settings.md)."""
    w = app_settings.PRIORITY_WEIGHTS
    score = 0
    if w.get("followers_per_point"):
        score += min(int(w.get("max_reach_points", 30)), max(signals.reach, 0) // int(w["followers_per_point"]))
    if w.get("engagement_per_point"):
        score += max(signals.engagement, 0) // int(w["engagement_per_point"])
    if w.get("age_hours_per_point"):
        hours = max(signals.age.total_seconds(), 0) / 3600
        score += int(hours // float(w["age_hours_per_point"]))
    score += int(w.get("repeat_contact", 0)) * max(signals.contact_count - 1, 0)
    score += int(w.get("public_nudge", 0)) * max(signals.public_nudges, 0)
    if signals.has_risk_words:
        score += int(w.get("risk_words", 0))
    if signals.is_vip:
        score += int(w.get("vip", 0))
    return score


def priority_for_score(score: int) -> str:
    """Map a score to a priority with ``PRIORITY_THRESHOLDS``; below "high" a case is "normal"."""
    thresholds = app_settings.PRIORITY_THRESHOLDS
    if score >= int(thresholds.get("urgent", 60)):
        return Priority.URGENT
    if score >= int(thresholds.get("high", 30)):
        return Priority.HIGH
    return Priority.NORMAL


def priority_raise(current: str, proposed: str) -> str:
    """The higher of the two: rules may raise a priority but never lower it."""
    return proposed if PRIORITY_RANK.get(proposed, 0) > PRIORITY_RANK.get(current, 0) else current
