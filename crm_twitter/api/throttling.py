"""Throttling per API token (or per user for session calls), rate from ``API_THROTTLE_RATE``.

DRF's ``SimpleRateThrottle`` reads a list of timestamps, appends, and writes it back: parallel
requests of one token read the same list and each write their own, so most of them go
uncounted (a probe got 1,286 of 2,000 requests through a 1,200/minute limit). This throttle only
counts with the cache's atomic increment, and decides from the count its own increment returned:

* a **sliding window** estimated from two fixed windows (the minute, hour… the rate names, keyed
  by its number): ``previous × (share of it still in the last period) + current``. A burst at
  the end of one minute therefore still counts at the start of the next; a plain fixed window
  would let twice the limit through across the boundary.
* a refused request gives its increment back, so a client that keeps hammering still gets its
  full rate once it slows down; ``Retry-After`` is when the estimate falls below the limit.
* caches whose ``incr`` is atomic — local memory (a lock), Redis (``INCRBY``), memcached — are
  used as they are. Django's database and file caches implement ``incr`` as get-then-set, so
  there the read and write happen under a lock: one in memory for the threads of a process,
  and one in the cache itself (``add`` of a lock key, which only one writer wins) for separate
  processes and machines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from rest_framework.throttling import SimpleRateThrottle

from crm_twitter.conf import app_settings
from crm_twitter.models import ApiToken

LOCK_SECONDS = 5  # a lock key left by a process that died expires after this
LOCK_WAIT_SECONDS = 2.0  # longer than this waiting for a lock: refuse (Retry-After: 1)
_PROCESS_LOCK = threading.Lock()


class CounterBusy(Exception):
    """The counter's lock could not be taken in time (only caches without an atomic ``incr``)."""


def _atomic_incr(cache: BaseCache) -> bool:
    return type(cache).incr is not BaseCache.incr


@contextmanager
def _cache_lock(cache: BaseCache, key: str) -> Iterator[None]:
    lock_key = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.001
    while not cache.add(lock_key, 1, LOCK_SECONDS):
        if time.monotonic() > deadline:
            raise CounterBusy(key)
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    try:
        yield
    finally:
        cache.delete(lock_key)


def cache_counter_add(cache: BaseCache, key: str, delta: int, timeout: int, *, read: str = "") -> tuple[int, int]:
    """Add ``delta`` to the counter at ``key`` (created with ``timeout`` when missing).

    Returns its new value — concurrent callers each see a different one, as with Redis
    ``INCRBY`` — and the value of the counter ``read`` (0 when missing or not asked for).
    """
    if _atomic_incr(cache):
        other = (cache.get(read) or 0) if read else 0
        try:
            return cache.incr(key, delta), other
        except ValueError:  # no counter yet (or it just expired)
            if cache.add(key, delta, timeout):
                return delta, other
            return cache.incr(key, delta), other  # another request created it first
    with _PROCESS_LOCK, _cache_lock(cache, key):
        values = cache.get_many([key, read] if read else [key])
        value = (values.get(key) or 0) + delta
        cache.set(key, value, timeout)
        return value, values.get(read) or 0


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "crm_twitter_api"

    @property
    def cache(self) -> BaseCache:
        # The backend itself, not django.core.cache.cache (a proxy): its class tells whether
        # incr is atomic.
        return caches[DEFAULT_CACHE_ALIAS]

    def get_rate(self) -> str | None:
        # Read on every request so override_settings and a host's setting change apply at once.
        return app_settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.key_hash[:24]}"  # never reused, unlike a pk
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        limit, period = self.num_requests, self.duration
        window, elapsed = divmod(self.timer(), period)
        current_key, previous_key = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        # Two periods: the counter is still read as "previous" during the next window.
        timeout = 2 * period + 1
        try:
            current, previous = cache_counter_add(self.cache, current_key, 1, timeout, read=previous_key)
        except CounterBusy:
            self._wait = 1.0
            return False
        if previous * (1 - elapsed / period) + current <= limit + 1e-9:  # float slack at exact boundaries
            return True
        # A refused request is not counted. Lock trouble leaves it counted: errs on the strict side.
        with suppress(CounterBusy):
            cache_counter_add(self.cache, current_key, -1, timeout)
        self._wait = _seconds_until_allowed(limit, period, elapsed, previous, current - 1)
        return False

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


def _seconds_until_allowed(limit: int, period: int, elapsed: float, previous: int, current: int) -> float:
    """When ``previous × (1 - t/period) + current + 1 <= limit`` first holds, from ``elapsed``.

    Within this window only the previous window's share shrinks; past it, this window's count
    becomes the one that slides out.
    """
    if current + 1 <= limit:
        share_left = (limit - current - 1) / previous if previous else 1.0
        return max(period * (1 - share_left) - elapsed, 1.0)
    share_left = (limit - 1) / current if current else 1.0
    return max(period - elapsed + period * max(1 - share_left, 0.0), 1.0)
