"""Who else has a case open, and who is typing: a short-lived entry per viewer in the cache.

Each open case page pings every few seconds (htmx polling); an entry older than
``PRESENCE_TTL_SECONDS`` means the viewer left. The cache is shared by all web workers
(Redis or the database cache in production), so two agents on two machines see each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

PRESENCE_TTL_SECONDS = 15
TYPING_TTL_SECONDS = 6
# A viewer's entry seen this recently is not rewritten by a plain ping (typing always is): with the
# database cache each write costs three queries, and a heartbeat every 4 s still keeps every
# entry well under PRESENCE_TTL_SECONDS old.
PRESENCE_REFRESH_SECONDS = 5


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    typing: bool


def _key(case_id: int) -> str:
    return f"crm_twitter:presence:{case_id}"


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def presence_ping(*, case_id: int, user, typing: bool = False) -> list[Viewer]:
    """Record that ``user`` is on the case (and typing or not); return the *other* viewers."""
    now = time.time()
    entries: dict = cache.get(_key(case_id)) or {}
    entries = {uid: e for uid, e in entries.items() if now - e["seen"] < PRESENCE_TTL_SECONDS}
    previous = entries.get(str(user.pk), {})
    name = _display_name(user)
    if not typing and previous.get("name") == name and now - previous["seen"] < PRESENCE_REFRESH_SECONDS:
        return _others(entries, user.pk, now)
    entries[str(user.pk)] = {
        "name": name,
        "seen": now,
        "typed": now if typing else previous.get("typed", 0),
    }
    cache.set(_key(case_id), entries, PRESENCE_TTL_SECONDS * 4)
    return _others(entries, user.pk, now)


def presence_leave(*, case_id: int, user) -> None:
    entries: dict = cache.get(_key(case_id)) or {}
    if entries.pop(str(user.pk), None) is not None:
        cache.set(_key(case_id), entries, PRESENCE_TTL_SECONDS * 4)


def presence_others(*, case_id: int, user) -> list[Viewer]:
    entries: dict = cache.get(_key(case_id)) or {}
    return _others(entries, user.pk, time.time())


def _others(entries: dict, user_id: int, now: float) -> list[Viewer]:
    return sorted(
        (
            Viewer(int(uid), e["name"], now - e.get("typed", 0) < TYPING_TTL_SECONDS)
            for uid, e in entries.items()
            if uid != str(user_id) and now - e["seen"] < PRESENCE_TTL_SECONDS
        ),
        key=lambda v: v.name,
    )
