"""The media archive: copies of what customers send, fetched safely, kept when X forgets them."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from crm_twitter.evidence.safe_fetch import InternalAddressRefused, guarded_session
from crm_twitter.evidence.storage import archive_storage
from crm_twitter.models import ArchiveStatus, Media
from crm_twitter.services.media_archive import media_archive
from crm_twitter.tasks.evidence import media_archive_task
from crm_twitter.x.sync import account_sync
from tests.factories import CaseFactory, TeamMembershipFactory, TweetFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(media_sandbox):
    return media_sandbox.brand_account("AcmeHelp")


def _served(sandbox, url: str, **kwargs) -> bytes:
    return requests.get(url, timeout=5, **kwargs).content


def test_media_of_new_tweets_and_dms_are_archived_after_ingest(
    media_sandbox, brand, monkeypatch, django_capture_on_commit_callbacks
):
    state = media_sandbox.state
    alice = state.add_user("alice")
    state.customer_tweet(alice, "@AcmeHelp the box came crushed", media=["crushed box", {"type": "video"}])
    state.customer_dm(alice, brand.x_user_id, "here is the label", media=["shipping label"])
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))

    with django_capture_on_commit_callbacks(execute=True):
        account_sync(account_id=brand.pk, streams=["mentions", "dms"])
    assert {func for func, _ in queued} == {"crm_twitter.tasks.evidence.media_archive_task"}
    for _, args in queued:  # what the worker would run
        media_archive_task(*args)

    media = {m.alt_text or m.type: m for m in Media.objects.all()}
    assert set(media) == {"crushed box", "video", "shipping label"}
    assert all(m.archive_status == ArchiveStatus.ARCHIVED for m in media.values())
    photo = media["crushed box"]
    stored = archive_storage().open(photo.archive_file.name).read()
    assert stored == _served(media_sandbox, photo.url)
    assert photo.sha256 == hashlib.sha256(stored).hexdigest() and photo.size == len(stored)
    assert photo.content_type == "image/jpeg" and stored.startswith(b"\xff\xd8\xff")
    assert photo.fetched_at is not None and photo.archive_source_url == photo.url
    video = media["video"]
    assert video.content_type == "video/mp4" and video.archive_source_url.endswith(".mp4")  # the MP4, not the preview
    label = media["shipping label"]
    assert "/ton/dm/" in label.url  # DM media lives behind OAuth: fetched through the gateway's credentials
    assert requests.get(label.url, timeout=5).status_code == 401
    assert archive_storage().open(label.archive_file.name).read() == _served(
        media_sandbox, label.url, auth=media_sandbox.user_auth(brand.x_user_id)
    )


def _medium(sandbox, spec="photo of the damage", **fields) -> Media:
    served = sandbox.state.add_media(spec)
    return Media.objects.create(
        media_key=served["media_key"], url=served.get("url", ""), tweet=TweetFactory(), **fields
    )


def _fault(sandbox, media: Media, **fault) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/media-faults", json={"media_key": media.media_key, **fault}, timeout=5
    )
    assert response.status_code == 201


def test_the_inbox_shows_the_archived_copy_and_keeps_it_when_x_forgets(media_sandbox, agent):
    media = _medium(media_sandbox)
    media_archive(media_keys=[media.media_key])
    media.refresh_from_db()
    case = CaseFactory(team=agent.crm_team)
    media.tweet.case = case
    media.tweet.save()
    _fault(media_sandbox, media, kind="gone")  # the tweet was deleted: X's URL now answers 404
    assert requests.get(media.url, timeout=5).status_code == 404

    client = Client()
    client.force_login(agent)
    response = client.get(media.archived_url)

    assert media.display_url == media.archived_url == f"/evidence/media/{media.pk}/"
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == media.sha256
    stranger = UserFactory(username="bob", roles=["crm_agent"])
    TeamMembershipFactory(user=stranger)  # another team
    client.force_login(stranger)
    assert client.get(media.archived_url).status_code == 404


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://evil.example.com/media/x.jpg", "host_not_allowed"),
        ("http://pbs.twimg.com/media/x.jpg", "not_https"),
        ("file:///etc/passwd", "not_https"),
        ("https://user:pw@pbs.twimg.com/media/x.jpg", "bad_url"),
    ],
)
def test_urls_outside_the_allow_list_are_refused_without_a_request(db, monkeypatch, url, code):
    def no_network(*args, **kwargs):
        raise AssertionError("no request may be made")

    monkeypatch.setattr(requests.Session, "send", no_network)
    media = Media.objects.create(media_key="3_1", url=url, tweet=TweetFactory())

    run = media_archive(media_keys=["3_1"])

    media.refresh_from_db()
    assert run.failed == 1 and media.archive_status == ArchiveStatus.FAILED
    assert media.archive_error_code == code and media.archive_attempts == 1 and media.archive_next_attempt_at is None


def test_an_allowed_host_resolving_to_an_internal_address_is_never_fetched(db, settings, monkeypatch):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_HOSTS": ["pbs.twimg.com"]}
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 443))],
    )
    monkeypatch.setattr(requests.Session, "send", lambda *a, **k: pytest.fail("no request may be made"))
    media = Media.objects.create(media_key="3_2", url="https://pbs.twimg.com/media/x.jpg", tweet=TweetFactory())

    media_archive(media_keys=["3_2"])

    media.refresh_from_db()
    assert media.archive_status == ArchiveStatus.FAILED and media.archive_error_code == "internal_address"
    assert "169.254.169.254" in media.archive_error


def test_a_connection_that_lands_on_an_internal_address_is_cut_before_anything_is_sent(sandbox):
    # DNS rebinding: whatever the name resolved to at the check, the socket's real peer decides.
    # The sandbox is on 127.0.0.1 and, without MEDIA_INSECURE_HOSTS, counts as internal.
    session = guarded_session()
    with pytest.raises((InternalAddressRefused, requests.RequestException)) as caught:
        session.get(f"{sandbox.base_url}/_sandbox/state", timeout=3)
    assert "internal address" in str(caught.value)
    assert sandbox.state.request_log == []


def test_a_redirect_to_another_host_fails_for_good(media_sandbox):
    media = _medium(media_sandbox)
    _fault(media_sandbox, media, kind="redirect", to="https://evil.example.com/steal.jpg")

    media_archive(media_keys=[media.media_key])

    media.refresh_from_db()
    assert (media.archive_status, media.archive_error_code) == (ArchiveStatus.FAILED, "redirect")
    assert "evil.example.com" in media.archive_error


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"kind": "huge", "bytes": 25_000}, "too_large"),
        ({"kind": "html"}, "not_media"),
        ({"kind": "disguised"}, "not_media"),  # labelled image/jpeg, but the bytes are a web page
        ({"kind": "gone"}, "not_found"),  # X's 404 for deleted media: no point retrying
    ],
)
def test_answers_that_cannot_succeed_later_fail_with_their_reason(media_sandbox, settings, fault, code):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_MAX_BYTES": 20_000}
    media = _medium(media_sandbox)
    _fault(media_sandbox, media, **fault)

    run = media_archive(media_keys=[media.media_key])

    media.refresh_from_db()
    assert run.failed == 1 and run.errors == {code: 1}
    assert (media.archive_status, media.archive_error_code) == (ArchiveStatus.FAILED, code)
    assert not media.archive_file and media.archive_next_attempt_at is None


def test_timeouts_and_5xx_are_retried_with_growing_backoff_then_archived(media_sandbox, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_TIMEOUT_SECONDS": 0.5, "MEDIA_BACKOFF_SECONDS": 60}
    media = _medium(media_sandbox)
    _fault(media_sandbox, media, kind="slow", seconds=1.5, times=1)

    before = timezone.now()
    run = media_archive(media_keys=[media.media_key])
    media.refresh_from_db()
    assert run.retrying == 1
    assert (media.archive_status, media.archive_error_code, media.archive_attempts) == ("pending", "timeout", 1)
    assert media.archive_next_attempt_at >= before + dt.timedelta(seconds=60)
    assert media_archive(media_keys=[media.media_key]).archived == 0  # not due yet

    _fault(media_sandbox, media, kind="flaky", times=1)
    Media.objects.filter(pk=media.pk).update(archive_next_attempt_at=timezone.now())
    before = timezone.now()
    media_archive()  # the schedule's run: whatever is due
    media.refresh_from_db()
    assert (media.archive_error_code, media.archive_attempts) == ("http_503", 2)
    assert media.archive_next_attempt_at >= before + dt.timedelta(seconds=120)  # doubled

    Media.objects.filter(pk=media.pk).update(archive_next_attempt_at=timezone.now())
    assert media_archive().archived == 1
    media.refresh_from_db()
    assert media.archive_status == ArchiveStatus.ARCHIVED and media.archive_error_code == "" and media.sha256


def test_retries_stop_after_the_last_attempt(media_sandbox, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_MAX_ATTEMPTS": 2}
    media = _medium(media_sandbox)
    _fault(media_sandbox, media, kind="flaky")

    media_archive(media_keys=[media.media_key])
    Media.objects.filter(pk=media.pk).update(archive_next_attempt_at=timezone.now())
    media_archive(media_keys=[media.media_key])

    media.refresh_from_db()
    assert (media.archive_status, media.archive_attempts, media.archive_error_code) == ("failed", 2, "http_503")


def test_the_sandbox_host_is_not_allowed_by_default(sandbox):
    host = urlsplit(sandbox.base_url).netloc
    from crm_twitter.conf import DEFAULTS

    assert DEFAULTS["MEDIA_INSECURE_HOSTS"] == [] and host not in DEFAULTS["MEDIA_HOSTS"]
    media = _medium(sandbox)
    media_archive(media_keys=[media.media_key])
    media.refresh_from_db()
    assert media.archive_error_code == "not_https"
