"""Bad media-archive and signing settings stop start-up with the setting named; production is warned."""

from __future__ import annotations

import pytest
from django.test import override_settings

from crm_twitter.checks import check_media_archive, check_media_archive_deploy
from crm_twitter.evidence import signing


def test_the_defaults_pass():
    with override_settings(CRM_TWITTER={}):
        assert check_media_archive() == []


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("MEDIA_HOSTS", ["https://pbs.twimg.com/"], "crm_twitter.E170"),
        ("MEDIA_INSECURE_HOSTS", ["127.0.0.1"], "crm_twitter.E170"),
        ("MEDIA_MAX_BYTES", 0, "crm_twitter.E003"),
        ("MEDIA_TIMEOUT_SECONDS", -1, "crm_twitter.E005"),
        ("MEDIA_STORAGE", "nowhere", "crm_twitter.E171"),
        ("EVIDENCE_SIGNING_KEY", "not a key", "crm_twitter.E172"),
        ("EVIDENCE_SIGNING_KEY", "AAAA", "crm_twitter.E172"),
    ],
)
def test_bad_values_are_errors_naming_the_setting(name, value, error):
    with override_settings(CRM_TWITTER={name: value}):
        problems = check_media_archive()
    assert [p.id for p in problems] == [error]
    assert name in problems[0].msg


def test_a_generated_key_is_accepted_and_signs_what_verifies():
    key = signing.new_private_key_pem()
    with override_settings(CRM_TWITTER={"EVIDENCE_SIGNING_KEY": key}):
        assert check_media_archive() == []
        document = signing.sign(b"manifest")
        assert signing.signature_valid(b"manifest", document["signature"], signing.public_key_text())
        assert not signing.signature_valid(b"manifest!", document["signature"], signing.public_key_text())


def test_deploy_warns_about_the_sandbox_host_and_a_derived_key():
    with override_settings(CRM_TWITTER={"MEDIA_INSECURE_HOSTS": ["127.0.0.1:8765"]}):
        assert {w.id for w in check_media_archive_deploy()} == {"crm_twitter.W171", "crm_twitter.W172"}
    with override_settings(CRM_TWITTER={"EVIDENCE_SIGNING_KEY": signing.new_private_key_pem()}):
        assert check_media_archive_deploy() == []
