"""X credentials are encrypted at rest: the stored column never holds the secret."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from crm_twitter.crypto import DecryptionFailed
from crm_twitter.models import BrandAccount
from tests.factories import BrandAccountFactory

SECRET = "AAAAAAAAAAAAAAAAAAAAAsuper-secret-bearer-9f8e7d"


def _raw_column(account: BrandAccount) -> str:
    table = BrandAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT credentials_encrypted FROM {table} WHERE id = %s", [account.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_the_stored_column_does_not_contain_the_secret(db):
    account = BrandAccountFactory(credentials={"bearer_token": SECRET, "access_token_secret": "ats-" + SECRET})
    raw = _raw_column(account)
    assert raw
    assert SECRET not in raw
    assert "bearer_token" not in raw


def test_credentials_round_trip(db):
    account = BrandAccountFactory(credentials={"bearer_token": SECRET, "consumer_key": "ck-1"})
    fresh = BrandAccount.objects.get(pk=account.pk)
    assert fresh.get_credentials() == {"bearer_token": SECRET, "consumer_key": "ck-1"}
    assert fresh.has_credentials


def test_setting_one_credential_keeps_the_others(db):
    account = BrandAccountFactory(credentials={"bearer_token": SECRET, "consumer_key": "ck-1"})
    account.set_credentials(consumer_key="ck-2")
    account.save()
    assert BrandAccount.objects.get(pk=account.pk).get_credentials() == {"bearer_token": SECRET, "consumer_key": "ck-2"}


def test_an_unknown_credential_name_is_refused(db):
    account = BrandAccountFactory(credentials={})
    with pytest.raises(ValueError, match="bearer"):
        account.set_credentials(bearer="typo")


def test_the_wrong_key_cannot_decrypt(db):
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": "the-first-passphrase-long-enough"}):
        account = BrandAccountFactory(credentials={"bearer_token": SECRET})
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": "a-different-passphrase-entirely"}):
        fresh = BrandAccount.objects.get(pk=account.pk)
        with pytest.raises(DecryptionFailed):
            fresh.get_credentials()


def test_key_rotation_reads_old_tokens_and_writes_with_the_new_key(db):
    old, new = "the-old-passphrase-long-enough", "the-new-passphrase-long-enough"
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": old}):
        account = BrandAccountFactory(credentials={"bearer_token": SECRET})
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": [new, old]}):
        fresh = BrandAccount.objects.get(pk=account.pk)
        assert fresh.get_credentials() == {"bearer_token": SECRET}
        fresh.set_credentials(consumer_key="ck")  # re-encrypts with the first (new) key
        fresh.save()
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": new}):
        assert BrandAccount.objects.get(pk=account.pk).get_credentials() == {
            "bearer_token": SECRET,
            "consumer_key": "ck",
        }
