"""A hostile payload must not smuggle a script URL into the inbox's links and images."""

import pytest

from crm_twitter.models import Media, XUser
from crm_twitter.x.gateway import Page, RateLimit
from crm_twitter.x.ingest import tweets_ingest, web_url
from tests.factories import BrandAccountFactory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://pbs.twimg.com/media/a.jpg", "https://pbs.twimg.com/media/a.jpg"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html;base64,PHNjcmlwdD4=", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_only_web_urls_are_kept(value, expected):
    assert web_url(value) == expected


def test_ingest_drops_script_urls_from_media_and_avatars(db):
    account = BrandAccountFactory(x_user_id="880000000000000001", handle="acme_help")
    page = Page(
        data=[
            {
                "id": "1900000000000000001",
                "text": "@acme_help broken on arrival",
                "author_id": "77",
                "conversation_id": "1900000000000000001",
                "created_at": "2026-11-20T10:00:00.000Z",
                "entities": {"mentions": [{"username": "acme_help", "id": "880000000000000001"}]},
                "attachments": {"media_keys": ["3_1"]},
            }
        ],
        includes={
            "users": [
                {"id": "77", "username": "eve", "name": "Eve", "profile_image_url": "javascript:alert(document.cookie)"}
            ],
            "media": [
                {
                    "media_key": "3_1",
                    "type": "photo",
                    "url": "javascript:alert(1)",
                    "preview_image_url": "data:image/svg+xml,<svg onload=alert(1)>",
                }
            ],
        },
        meta={"result_count": 1, "newest_id": "1900000000000000001", "oldest_id": "1900000000000000001"},
        errors=[],
        rate_limit=RateLimit(limit=None, remaining=None, reset_at=None),
    )
    tweets_ingest(account=account, page=page)
    media = Media.objects.get(media_key="3_1")
    assert (media.url, media.preview_image_url) == ("", "")
    assert XUser.objects.get(x_id="77").profile_image_url == ""
