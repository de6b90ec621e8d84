"""The API throttle holds its limit: under parallel clients, across a window boundary, on every
cache Django ships that the project uses (local memory in tests, the database cache of the
embedded set-up, Redis in production)."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from crm_twitter.api import throttling
from crm_twitter.api.errors import api_exception_handler
from crm_twitter.api.throttling import ApiTokenRateThrottle

START = 1_800_000_000.0  # a whole hour (and minute) in epoch seconds


class Ping(APIView):
    """The throttle alone: no authentication or database, so only the counter is tested."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ApiTokenRateThrottle]

    def get_exception_handler(self):
        return api_exception_handler

    def get(self, request):
        return Response({"ok": True})


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand (``clock.now = …``)."""

    class Clock:
        now = START + 30

    clock = Clock()
    monkeypatch.setattr(ApiTokenRateThrottle, "timer", lambda self: clock.now)
    return clock


@pytest.fixture
def rate(settings):
    def set_rate(value: str) -> None:
        settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_THROTTLE_RATE": value}

    return set_rate


@contextmanager
def busy_thread_switching():
    """Switch threads as often as the interpreter can, so a read-then-write counter loses updates."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def hammer(clients: int, requests_each: int) -> Counter:
    view = Ping.as_view()
    factory = APIRequestFactory()
    barrier = threading.Barrier(clients)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def client() -> None:
        barrier.wait()
        try:
            for _ in range(requests_each):
                code = view(factory.get("/ping/", REMOTE_ADDR="203.0.113.7")).status_code
                with lock:
                    statuses[code] += 1
        finally:
            connections.close_all()  # the database cache opened one per thread

    threads = [threading.Thread(target=client) for _ in range(clients)]
    with busy_thread_switching():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return statuses


@pytest.fixture
def locmem_cache():
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def database_cache(settings, transactional_db):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "crm_twitter_cache"}
    }
    # With Redis as the project's cache (CI's PostgreSQL leg) migrate made no cache table.
    call_command("createcachetable", "crm_twitter_cache", verbosity=0)
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_parallel_clients_never_get_more_than_the_limit(locmem_cache, clock, rate):
    rate("150/hour")

    statuses = hammer(clients=16, requests_each=40)

    assert statuses == {200: 150, 429: 16 * 40 - 150}


def test_parallel_clients_on_the_database_cache_never_get_more_than_the_limit(database_cache, clock, rate):
    rate("60/hour")

    statuses = hammer(clients=8, requests_each=15)

    assert statuses == {200: 60, 429: 8 * 15 - 60}


def test_the_database_cache_lock_alone_holds_the_limit_across_connections(
    database_cache, on_postgres, clock, rate, monkeypatch
):
    # What separate web processes do: no lock shared in memory, only the one in the cache.
    monkeypatch.setattr(throttling, "_PROCESS_LOCK", _NoLock())
    rate("60/hour")

    statuses = hammer(clients=8, requests_each=15)

    assert statuses == {200: 60, 429: 8 * 15 - 60}


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_burst_across_a_window_boundary_does_not_double_the_limit(locmem_cache, clock, rate):
    rate("10/minute")
    view = Ping.as_view()
    get = APIRequestFactory().get

    clock.now = START + 50  # the last seconds of one minute …
    assert [view(get("/ping/")).status_code for _ in range(10)] == [200] * 10
    clock.now = START + 65  # … and the first of the next: still 10 in the last 60 s
    assert view(get("/ping/")).status_code == 429
    clock.now = START + 112  # the earlier burst has (as good as) slid out of the window
    assert [view(get("/ping/")).status_code for _ in range(8)] == [200] * 8


def test_refused_requests_do_not_use_up_the_allowance(locmem_cache, clock, rate):
    rate("5/minute")
    view = Ping.as_view()
    get = APIRequestFactory().get

    clock.now = START + 10
    assert [view(get("/ping/")).status_code for _ in range(25)] == [200] * 5 + [429] * 20
    clock.now = START + 60 + 59  # nearly a minute on: the 5 have slid (almost) out again
    assert [view(get("/ping/")).status_code for _ in range(4)] == [200] * 4


def test_retry_after_says_when_a_request_will_pass_again(locmem_cache, clock, rate):
    rate("5/minute")
    view = Ping.as_view()
    get = APIRequestFactory().get

    clock.now = START + 10
    for _ in range(5):
        view(get("/ping/"))
    refused = view(get("/ping/"))

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert refused.data["error"]["code"] == "throttled"
    clock.now = START + 10 + wait - 1
    assert view(get("/ping/")).status_code == 429
    clock.now = START + 10 + wait
    assert view(get("/ping/")).status_code == 200
