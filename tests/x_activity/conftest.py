"""A desk reachable over HTTP (``DeskServer``) that the sandbox delivers X Activity API events to.

``desk`` registers the desk's webhook with the sandbox (the sandbox runs X's CRC check on
it), subscribes the brand to posts and DMs, and runs django-q2 tasks inline, so a delivery is
stored and ingested before the webhook answers. ``desk.settle()`` waits for the sandbox's
delivery thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.urls import reverse

from crm_twitter.sandbox.activity import SANDBOX_WEBHOOK_SECRET
from crm_twitter.x import activity
from crm_twitter.x.activity_events import DEFAULT_SUBSCRIBED_EVENTS


@dataclass
class Desk:
    sandbox: Any
    brand: Any
    url: str
    webhook_id: str = ""

    @property
    def hub(self):
        return self.sandbox.server.activity

    def settle(self, timeout: float = 60.0) -> None:
        assert self.hub.wait_idle(timeout), "the sandbox did not finish its deliveries"

    def faults(self, **options: Any) -> None:
        reply = self.hub.control("POST", "activity/faults", options)
        assert reply.status == 200, reply.body


@pytest.fixture
def webhook_secret(settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "WEBHOOK_CONSUMER_SECRET": SANDBOX_WEBHOOK_SECRET}
    return SANDBOX_WEBHOOK_SECRET


@pytest.fixture
def inline_tasks(monkeypatch):
    """Run queued tasks at once in the enqueuing thread (django-q2's own sync mode reopens database
    connections, which an in-memory SQLite shared with the live server does not survive)."""
    from django.utils.module_loading import import_string

    def run(func, *args, **kwargs):
        return import_string(func)(*args) if isinstance(func, str) else func(*args)

    monkeypatch.setattr("django_q.tasks.async_task", run)


@pytest.fixture
def brand(db):
    from tests.factories import BrandAccountFactory
    from tests.x_sync.conftest import BRAND_X_ID

    return BrandAccountFactory(handle="brandhelp", x_user_id=BRAND_X_ID)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class DeskServer(threading.Thread):
    """The desk on a loopback port, one request at a time, on the test's own database connection.

    pytest-django's ``live_server`` starts before the test database exists, so with the in-memory
    SQLite of the suite it opens a second connection that deadlocks on the test's table locks;
    sharing the connection (as Django's own LiveServerThread does) keeps one view of the data.
    """

    def __init__(self) -> None:
        super().__init__(name="crm-twitter-desk", daemon=True)
        self.connection = connections["default"]
        self.shared = self.connection.vendor == "sqlite" and self.connection.is_in_memory_db()
        self.ready = threading.Event()
        self.httpd: WSGIServer | None = None

    def run(self) -> None:
        if self.shared:
            connections["default"] = self.connection
        self.httpd = make_server("127.0.0.1", 0, WSGIHandler(), server_class=WSGIServer, handler_class=_QuietHandler)
        self.ready.set()
        try:
            self.httpd.serve_forever(poll_interval=0.05)
        finally:
            if not self.shared:
                connections.close_all()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> DeskServer:
        if self.shared:
            self.connection.inc_thread_sharing()
        self.start()
        self.ready.wait(5)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.join(5)
        if self.shared:
            self.connection.dec_thread_sharing()


@pytest.fixture
def desk_server(transactional_db):
    with DeskServer() as server:
        yield server


@pytest.fixture
def desk(sandbox, desk_server, webhook_secret, inline_tasks):
    # Tasks run inside the webhook's request here, and the first case a process opens compiles the
    # risk-word patterns: on a busy test machine that outlasts the sandbox's default 5 s timeout.
    sandbox.server.activity.timeout = 60.0
    brand = sandbox.brand_account("AcmeHelp")
    url = desk_server.url + reverse("crm_twitter_x:webhook")
    gateway = sandbox.gateway(brand.x_user_id)
    hook = activity.webhook_register(gateway=gateway, url=url)
    activity.account_subscribe(
        gateway=gateway, user_id=brand.x_user_id, event_types=DEFAULT_SUBSCRIBED_EVENTS, webhook_id=hook.id
    )
    return Desk(sandbox=sandbox, brand=brand, url=url, webhook_id=hook.id)
