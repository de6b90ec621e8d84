"""Benchmark: real time through the X Activity API — sandbox post → case in the inbox queue.

    python bench/xaa.py [--posts 40] [--deliveries 400] [--clients 4]

Runs the whole path for real: the sandbox (in this process) delivers signed ``post.mention.create``
events to the desk's webhook (Django's threaded dev server, in this process), which stores each
delivery and queues a task; a django-q2 worker (``manage.py qcluster``, a child process, ORM broker)
ingests it. Two figures:

* **latency**: from the sandbox creating a post to its case being listed in the inbox's "all open"
  queue (``case_list``), one post at a time so the worker is idle — median and p95;
* **webhook throughput**: signed deliveries POSTed by ``--clients`` threads straight at the
  webhook — deliveries per second answered 200 *and* stored as ``WebhookDelivery`` rows (the
  processing after the answer is not part of it).

Uses its own database (``var/bench-xaa.sqlite3`` unless DATABASE_URL is set; it must then name a
database containing "bench"), emptied first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_FILE = ROOT / "var" / "bench-xaa.sqlite3"
SECRET = "sandbox-consumer-secret"


def _prepare_environment() -> None:
    if not os.environ.get("DATABASE_URL"):
        DB_FILE.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{DB_FILE}"
    elif "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
        sys.exit("bench/xaa.py empties its database: DATABASE_URL must name one containing 'bench'")
    os.environ["CRM_TWITTER_WEBHOOK_SECRET"] = SECRET
    os.environ.setdefault("Q_WORKERS", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=40, help="posts timed one at a time")
    parser.add_argument("--deliveries", type=int, default=400, help="deliveries for the throughput run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent senders for the throughput run")
    args = parser.parse_args()

    _prepare_environment()
    from bench.common import markdown_table, median, p95, setup_django

    vendor = setup_django(flush=True)
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application

    from crm_twitter.models import Case, WebhookDelivery
    from crm_twitter.sandbox.activity import sign
    from crm_twitter.sandbox.server import SandboxServer
    from crm_twitter.sandbox.state import sandbox_credentials
    from crm_twitter.selectors.queues import case_list
    from crm_twitter.x import activity
    from crm_twitter.x.activity_events import DEFAULT_SUBSCRIBED_EVENTS
    from crm_twitter.x.gateway import XGateway
    from tests.factories import BrandAccountFactory

    sandbox = SandboxServer(port=0).start()
    sandbox.activity.timeout = 30.0  # the desk's first request imports the whole app
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_BASE_URL": sandbox.base_url}
    settings.ALLOWED_HOSTS = ["*"]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    desk = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    desk.set_app(get_internal_wsgi_application())
    threading.Thread(target=desk.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{desk.server_address[1]}/webhooks/x/"

    worker_env = {**os.environ, "CRM_TWITTER_API_BASE_URL": sandbox.base_url, "DEBUG": "1"}
    log = open(ROOT / "var" / "bench-xaa-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"], env=worker_env, stdout=log, stderr=log
    )
    try:
        brand_user = sandbox.state.add_brand("AcmeHelp")
        brand = BrandAccountFactory(
            handle="AcmeHelp", x_user_id=brand_user["id"], credentials=sandbox_credentials(brand_user["id"])
        )
        gateway = XGateway.for_account(brand)
        hook = activity.webhook_register(gateway=gateway, url=url)
        activity.account_subscribe(
            gateway=gateway, user_id=brand.x_user_id, event_types=DEFAULT_SUBSCRIBED_EVENTS, webhook_id=hook.id
        )
        viewer = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench")
        time.sleep(3)  # the worker's start-up

        def visible(tweet_id: str) -> bool:
            return case_list(user=viewer, queue="all_open").filter(tweets__x_id=tweet_id).exists()

        # Warm-up: the first case a process opens loads its pattern tables.
        warm = sandbox.state.customer_tweet(sandbox.state.add_user("warmup"), "@AcmeHelp hello")
        deadline = time.monotonic() + 120
        while not visible(warm["id"]) and time.monotonic() < deadline:
            time.sleep(0.05)

        latencies, missed = [], 0
        for i in range(args.posts):
            customer = sandbox.state.add_user(f"cust{i}")
            started = time.perf_counter()
            tweet = sandbox.state.customer_tweet(customer, f"@AcmeHelp order 4000{i:04d} never arrived")
            deadline = time.monotonic() + 30
            while not visible(tweet["id"]):
                if time.monotonic() > deadline:
                    missed += 1
                    break
                time.sleep(0.01)
            else:
                latencies.append(time.perf_counter() - started)
            time.sleep(0.2)

        # Throughput: signed envelopes straight at the webhook.
        import requests

        before = WebhookDelivery.objects.count()
        people = [sandbox.state.add_user(f"tp{i}") for i in range(20)]
        bodies = []
        for i in range(args.deliveries):
            envelope = {
                "data": {
                    "event_uuid": f"bench-{i}",
                    "event_type": "post.mention.create",
                    "filter": {"user_id": brand.x_user_id},
                    "tag": "bench",
                    "payload": {
                        "id": str(1_900_000_000_000_000_000 + i),
                        "text": f"@AcmeHelp throughput {i}",
                        "author_id": people[i % 20]["id"],
                        "conversation_id": str(1_900_000_000_000_000_000 + i),
                        "created_at": "2026-12-05T10:00:00.000Z",
                        "edit_history_tweet_ids": [str(1_900_000_000_000_000_000 + i)],
                    },
                    "includes": {"users": [{"id": people[i % 20]["id"], "username": f"tp{i % 20}", "name": "T"}]},
                }
            }
            body = json.dumps(envelope, separators=(",", ":")).encode()
            bodies.append((body, sign(SECRET, body)))
        local = threading.local()

        def send(item: tuple[bytes, str]) -> int:
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            response = session.post(
                url,
                data=item[0],
                headers={"content-type": "application/json", "x-twitter-webhooks-signature": item[1]},
                timeout=60,
            )
            return response.status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            statuses = list(pool.map(send, bodies))
        elapsed = time.perf_counter() - started
        stored = WebhookDelivery.objects.count() - before
        ok = sum(1 for s in statuses if s == 200)

        print(f"# X Activity API real time ({vendor}, {args.posts} posts, worker: 1 django-q2 process, ORM broker)\n")
        print(
            markdown_table(
                ["measure", "median", "p95", "max", "n", "missed (>30 s)"],
                [
                    [
                        "sandbox post → case in the inbox queue (s)",
                        f"{median(latencies):.3f}",
                        f"{p95(latencies):.3f}",
                        f"{max(latencies):.3f}",
                        len(latencies),
                        missed,
                    ]
                ],
            )
        )
        print()
        print(
            markdown_table(
                ["webhook deliveries", "clients", "answered 200", "stored", "seconds", "deliveries/s (200 + stored)"],
                [[args.deliveries, args.clients, ok, stored, f"{elapsed:.2f}", f"{min(ok, stored) / elapsed:.1f}"]],
            )
        )
        print(f"\ncases open after the run: {Case.objects.count()}")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        desk.shutdown()
        sandbox.stop()


if __name__ == "__main__":
    main()
