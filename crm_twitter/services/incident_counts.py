"""The number of open incidents behind the top bar's badge, kept in the shared cache.

Every page a supervisor or manager opens shows the badge, and the number changes only when an
incident opens (detection), closes or is merged (``services/incidents.py``): counting on every
page paid a query for a number that moves a few times a day. Those services call
``incidents_open_count_forget`` — the one invalidation — so the badge is right on the next page.
The short expiry only bounds what a writer outside the services (a demo reset deleting its
incidents) can leave behind.
"""

from __future__ import annotations

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import transaction

from crm_twitter.selectors.incidents import incidents_open_count

__all__ = ["OPEN_COUNT_CACHE_KEY", "incidents_open_count_cached", "incidents_open_count_forget"]

OPEN_COUNT_CACHE_KEY = "crm_twitter:incidents:open_count"
OPEN_COUNT_CACHE_SECONDS = 60


def incidents_open_count_cached() -> int:
    """Open incidents, from the cache (counted once when the cache has no number).

    With Django's database cache (the standalone project's default without Redis) a cache read is
    itself a query and a miss writes a row in a transaction of its own: more than the one indexed
    count it would save. There the count is read directly, as before the cache.
    """
    if isinstance(caches[DEFAULT_CACHE_ALIAS], DatabaseCache):
        return incidents_open_count()
    count = cache.get(OPEN_COUNT_CACHE_KEY)
    if count is None:
        count = incidents_open_count()
        cache.set(OPEN_COUNT_CACHE_KEY, count, OPEN_COUNT_CACHE_SECONDS)
    return count


def incidents_open_count_forget() -> None:
    """Drop the cached number now and again once the transaction commits.

    Now, so the writer's own request reads the new number; after the commit, because a page
    rendered meanwhile from another connection counted the state before the change and cached it.
    """
    cache.delete(OPEN_COUNT_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(OPEN_COUNT_CACHE_KEY))
