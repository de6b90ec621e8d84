"""Two workers syncing one account at once (PostgreSQL): no duplicates, no gaps."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from crm_twitter.models import Case, Customer, Tweet, XUser
from crm_twitter.x.sync import account_sync


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_syncs_of_one_account_neither_duplicate_nor_skip(on_postgres, sandbox):
    brand = sandbox.brand_account("brandhelp")
    people = [sandbox.state.add_user(f"c{i}") for i in range(120)]
    posted = [sandbox.state.customer_tweet(p, f"@brandhelp complaint {i}") for i, p in enumerate(people)]
    for i, person in enumerate(people[:40]):
        sandbox.state.customer_dm(person, brand.x_user_id, f"order 4000{i:04d}")

    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(account_sync(account_id=brand.pk))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(results) == 2 and all(r.complete for r in results)
    assert sorted(r.new_tweets for r in results) == [0, 120]
    assert set(Tweet.objects.values_list("x_id", flat=True)) == {t["id"] for t in posted}
    assert Tweet.objects.count() == 120
    assert Case.objects.count() == 120
    assert Customer.objects.count() == 120
    assert XUser.objects.values("x_id").distinct().count() == XUser.objects.count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_webhook_delivery_racing_a_poll_stores_the_message_once(on_postgres, sandbox):
    from crm_twitter.x.webhooks import webhook_payload_ingest

    brand = sandbox.brand_account("brandhelp")
    ann = sandbox.state.add_user("ann")
    tweet = sandbox.state.customer_tweet(ann, "@brandhelp where is my parcel")
    payload = {
        "for_user_id": brand.x_user_id,
        "tweet_create_events": [
            {
                "id_str": tweet["id"],
                "text": tweet["text"],
                "created_at": "Sat Nov 28 01:00:00 +0000 2026",
                "user": {"id_str": ann["id"], "screen_name": "ann", "name": "ann"},
                "entities": {
                    "user_mentions": [{"id_str": brand.x_user_id, "screen_name": "brandhelp", "indices": [0, 10]}]
                },
            }
        ],
    }
    barrier = threading.Barrier(2)
    errors = []

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: account_sync(account_id=brand.pk),)),
        threading.Thread(target=run, args=(lambda: webhook_payload_ingest(payload=payload),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Tweet.objects.filter(x_id=tweet["id"]).count() == 1
    assert Case.objects.count() == 1
