"""Read a batch of messages for everything the desk wants to know, in one pass.

Language, category suggestion, risk signals and private data, as the ingest path computes
them — so ``crm_twitter_classify`` and the API's "read this text" answers agree with what the
desk does to real traffic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crm_twitter.classify.risk import RiskSignal, risk_signals_find
from crm_twitter.services.categorisation import CategorySuggester, category_suggester
from crm_twitter.services.message_routing import message_languages
from crm_twitter.services.privacy import PrivateDataFinding, private_data_find


@dataclass(frozen=True)
class MessageToRead:
    text: str
    language: str = ""  # X's lang code when known ("und" or "" → detected)
    channel: str = ""


@dataclass(frozen=True)
class Reading:
    language: str | None
    category: str | None
    confidence: float
    model: str
    risk_signals: list[RiskSignal]
    private_data: list[PrivateDataFinding]

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "category": self.category,
            "confidence": self.confidence,
            "risk_signals": [{"kind": r.kind, "text": r.text} for r in self.risk_signals],
            "private_data": [{"kind": p.kind, "start": p.start, "end": p.end} for p in self.private_data],
        }


def messages_read(messages: Sequence[MessageToRead], *, suggester: CategorySuggester | None = None) -> list[Reading]:
    """One ``Reading`` per message, same order. Empty or wordless text gives nulls, never an error."""
    suggester = suggester or category_suggester()
    languages = message_languages([(m.text, m.language) for m in messages])
    suggestions = suggester.many([m.text for m in messages])
    out = []
    for message, language, suggestion in zip(messages, languages, suggestions, strict=True):
        text = message.text or ""
        out.append(
            Reading(
                language=language.split("-")[0] or None,
                category=suggestion.category.slug if suggestion.category else None,
                confidence=suggestion.confidence or 0.0,
                model=suggestion.model,
                risk_signals=risk_signals_find(text, language=language or None) if text else [],
                private_data=private_data_find(text) if text else [],
            )
        )
    return out
