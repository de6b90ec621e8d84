from django.urls import reverse

from crm_twitter.models import ReportSnapshot
from crm_twitter.reports.snapshots import snapshot_create
from tests.reports.conftest import OCTOBER


def test_snapshots_are_listed_with_download_links(client, october, admin_user, django_assert_max_num_queries):
    snapshot = snapshot_create(month=OCTOBER, scheduled=True)
    client.force_login(admin_user)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:crm_twitter_reportsnapshot_changelist"))

    download = reverse("admin:crm_twitter_reportsnapshot_download", args=[snapshot.pk, "xlsx"])
    assert download in response.content.decode()
    file = client.get(download)
    assert file.status_code == 200
    assert bytes(file.content) == bytes(snapshot.xlsx)


def test_regenerate_action_keeps_the_old_snapshot(client, october, admin_user):
    old = snapshot_create(month=OCTOBER, scheduled=True)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:crm_twitter_reportsnapshot_changelist"),
        {"action": "regenerate", "_selected_action": [old.pk]},
        follow=True,
    )

    assert response.status_code == 200
    old.refresh_from_db()
    new = ReportSnapshot.objects.exclude(pk=old.pk).get()
    assert (old.is_current, new.is_current, new.scheduled, new.generated_by) == (False, True, False, admin_user)
    assert "Regenerated 1 month(s)" in response.content.decode()


def test_exchange_rates_are_managed_in_the_admin(client, db, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:crm_twitter_exchangerate_add"),
        {"currency": "EUR", "rate": "1.0850", "valid_from": "2026-10-01"},
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:crm_twitter_exchangerate_changelist")).status_code == 200
