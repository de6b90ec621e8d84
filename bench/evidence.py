"""Benchmark: evidence packs and the media archive.

    python bench/evidence.py                  # the sizes the issue names
    python bench/evidence.py --quick          # small sizes, for a smoke run

Measured:

* **pack**: ``evidence_pack_write`` (PDF by WeasyPrint + signed ZIP) for a case of 200 messages
  (100 public posts, 100 DMs, in six languages) with 20 archived photos (640×480 JPEG). Target:
  under 5 s. Best of 3.
* **large pack**: the same for 2,000 messages and 20 photos, in a child process whose peak
  resident memory is reported (the record is streamed from the database; the PDF layout is the
  bulk of it).
* **archive vs ingest**: 10,000 mentions in 100 X API pages (bench/ingest.py's pages), about
  2,000 with a photo, ingested with ``tweets_ingest``; then ``media_archive`` (the task's service,
  200 per run as the schedule runs it) fetches every photo from the X sandbox over loopback HTTP.
  The archive keeps up when it archives photos faster than ingest delivers them.

The sandbox runs in a child process, as X's CDN is another machine. Prints a markdown table.
Writes crm_twitter rows: use a scratch database (the default is var/bench.sqlite3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import markdown_table, setup_django

TEXTS = [
    "@benchhelp my parcel never arrived, order 40001234 — three weeks now",
    "包裹三周还没到 😡 订单 40001234，请尽快处理退款",
    "el artículo llegó roto, pedido 40001234. Quiero un reembolso.",
    "falscher Artikel geliefert!! Bestellung 40001234",
    "وصلت السماعات مكسورة، أريد استرداد المبلغ 📦",
    "注文した商品が届きません。追跡番号 RR123456789CN",
]


def _case_with(messages: int, photos: int):
    """A case of ``messages`` (half public, half DMs) with ``photos`` archived JPEGs."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from crm_twitter.evidence.storage import archive_storage, media_name
    from crm_twitter.models import (
        ArchiveStatus,
        BrandAccount,
        Case,
        Customer,
        Direction,
        DirectMessage,
        Media,
        Party,
        Tweet,
        XUser,
    )
    from crm_twitter.sandbox.media_files import image_bytes

    stamp = time.time_ns()
    brand = BrandAccount.objects.create(handle=f"benchhelp{stamp % 10**6}", x_user_id=str(stamp % 10**12))
    brand_user = XUser.objects.create(x_id=brand.x_user_id, handle=brand.handle)
    customer = Customer.objects.create(display_name="Bench Customer")
    x_user = XUser.objects.create(x_id=str(stamp % 10**12 + 1), handle="bench_customer", customer=customer)
    start = timezone.now() - dt.timedelta(days=10)
    case = Case.objects.create(
        reference=f"CS-BENCH-{stamp % 10**8}",
        customer=customer,
        customer_x_user=x_user,
        brand_account=brand,
        opened_at=start,
    )
    tweets, dms = [], []
    for n in range(messages):
        at = start + dt.timedelta(minutes=7 * n)
        inbound = n % 3 != 2
        author = x_user if inbound else brand_user
        text = f"{TEXTS[n % len(TEXTS)]} (#{n})"
        if n % 2 == 0:
            tweets.append(
                Tweet(
                    x_id=str(stamp * 10 + n),
                    brand_account=brand,
                    author=author,
                    case=case,
                    direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                    party=Party.CUSTOMER if inbound else Party.BRAND,
                    text=text,
                    created_at=at,
                )
            )
        else:
            dms.append(
                DirectMessage(
                    x_event_id=str(stamp * 10 + n),
                    dm_conversation_id=f"{x_user.x_id}-{brand.x_user_id}",
                    brand_account=brand,
                    sender=author,
                    case=case,
                    direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                    text=text,
                    created_at=at,
                )
            )
    Tweet.objects.bulk_create(tweets, batch_size=500)
    DirectMessage.objects.bulk_create(dms, batch_size=500)
    owners = list(Tweet.objects.filter(case=case).order_by("id")[:photos])
    for i, tweet in enumerate(owners):
        data = image_bytes(f"bench-{stamp}-{i}", "jpg", size=(640, 480))
        sha = hashlib.sha256(data).hexdigest()
        name = archive_storage().save(media_name(sha, ".jpg"), ContentFile(data))
        Media.objects.create(
            media_key=f"3_{stamp}{i}",
            tweet=tweet,
            archive_status=ArchiveStatus.ARCHIVED,
            archive_file=name,
            sha256=sha,
            size=len(data),
            content_type="image/jpeg",
        )
    return case


def bench_pack(messages: int, photos: int, repeat: int) -> tuple[float, int]:
    from crm_twitter.evidence.build import evidence_pack_write

    case = _case_with(messages, photos)
    runs = []
    size = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            _, built = evidence_pack_write(case=case, output=Path(out))
            runs.append(time.perf_counter() - started)
            size = built.zip_size
    print(f"pack {messages}/{photos}: {', '.join(f'{r:.2f}s' for r in runs)}", file=sys.stderr)
    return min(runs), size


def _large_pack_child(messages: int, photos: int, queue) -> None:
    setup_django(migrate=False)
    from django.conf import settings

    settings.DEBUG = False
    seconds, size = bench_pack(messages, photos, 1)
    queue.put((seconds, size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _sandbox_child(keys: list[str], queue, stop) -> None:
    """The X sandbox in its own process (as X's CDN is another machine), serving ``keys``."""
    from crm_twitter.sandbox.server import SandboxServer

    server = SandboxServer(port=0).start()
    for key in keys:
        server.state.media[key] = {"media_key": key, "type": "photo"}
    queue.put(server.base_url)
    stop.wait()
    server.stop()


def bench_archive(quick: bool) -> dict:
    from django.conf import settings
    from django.db import transaction

    from bench.ingest import BRAND_X_ID, build_pages
    from crm_twitter.models import ArchiveStatus, BrandAccount, Media
    from crm_twitter.services.media_archive import media_archive
    from crm_twitter.x.gateway import Page
    from crm_twitter.x.ingest import tweets_ingest

    offset = time.time_ns() % 10**6 * 10
    pages = build_pages(offset=offset)[: 10 if quick else 100]
    keys = [m["media_key"] for p in pages for m in p["includes"]["media"]]
    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    sandbox = context.Process(target=_sandbox_child, args=(keys, queue, stop))
    sandbox.start()
    base_url = queue.get(timeout=60)
    netloc = base_url.split("://", 1)[1]
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_INSECURE_HOSTS": [netloc], "MEDIA_ARCHIVE": False}
    try:
        for page in pages:  # each photo on the sandbox
            for media in page["includes"]["media"]:
                media["url"] = f"{base_url}/media/{media['media_key']}.jpg"
        account, _ = BrandAccount.objects.get_or_create(x_user_id=BRAND_X_ID, defaults={"handle": "benchhelp"})
        started = time.perf_counter()
        messages = 0
        for page in pages:
            with transaction.atomic():
                result = tweets_ingest(
                    account=account, page=Page(data=page["data"], includes=page["includes"], meta=page["meta"])
                )
                messages += result.received
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        archived = 0
        while True:
            run = media_archive(media_keys=keys)
            archived += run.archived
            if not (run.archived or run.failed or run.retrying):
                break
        archive_seconds = time.perf_counter() - started
        failed = Media.objects.filter(media_key__in=keys).exclude(archive_status=ArchiveStatus.ARCHIVED).count()
    finally:
        stop.set()
        sandbox.join(timeout=10)
    return {
        "messages": messages,
        "photos": len(keys),
        "ingest_s": ingest_seconds,
        "archive_s": archive_seconds,
        "archived": archived,
        "not_archived": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = parser.parse_args()
    vendor = setup_django()
    from django.conf import settings

    settings.DEBUG = False
    small = (20, 4) if args.quick else (200, 20)
    large = (200, 20) if args.quick else (2000, 20)
    rows = []

    seconds, size = bench_pack(*small, repeat=1 if args.quick else 3)
    rows.append(
        [f"pack: {small[0]} messages, {small[1]} photos", f"{seconds:.2f} s", f"ZIP {size / 1e6:.1f} MB", "< 5 s"]
    )

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_large_pack_child, args=(*large, queue))
    child.start()
    seconds, size, peak_mb = queue.get()
    child.join()
    rows.append(
        [
            f"pack: {large[0]} messages, {large[1]} photos",
            f"{seconds:.2f} s",
            f"ZIP {size / 1e6:.1f} MB, peak RSS {peak_mb:.0f} MB",
            "bounded memory",
        ]
    )

    figures = bench_archive(args.quick)
    ingest_rate = figures["photos"] / figures["ingest_s"]
    archive_rate = figures["archived"] / figures["archive_s"] if figures["archive_s"] else 0
    rows.append(
        [
            f"ingest {figures['messages']} messages with {figures['photos']} photos",
            f"{figures['ingest_s']:.1f} s",
            f"{ingest_rate:.0f} photos/s arrive",
            "",
        ]
    )
    rows.append(
        [
            f"archive the {figures['photos']} photos from the sandbox",
            f"{figures['archive_s']:.1f} s",
            f"{archive_rate:.0f} photos/s archived, {figures['not_archived']} not archived",
            "keeps up" if archive_rate >= ingest_rate else "falls behind",
        ]
    )
    print(f"Evidence packs and media archive ({vendor})\n")
    print(markdown_table(["measurement", "time", "detail", "target"], rows))


if __name__ == "__main__":
    main()
