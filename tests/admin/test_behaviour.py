"""What an admin notices: search finds cases by what customers quote, secrets never show,
actions run the workflow, exports open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm_twitter import models as m
from crm_twitter.roles import Role
from tests import factories as f

CASES_URL = reverse("admin:crm_twitter_case_changelist")


def _found(client, url: str, term: str) -> str:
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def disputed_case(db):
    customer = f.CustomerFactory(display_name="Lena Hoffmann")
    x_user = f.XUserFactory(customer=customer, handle="lena_hoff")
    case = f.CaseFactory(customer=customer, customer_x_user=x_user, reference="CS-2026-004711")
    case.orders.add(f.OrderFactory(customer=customer, order_number="DE-40098765", tracking_number="LP00123456789012"))
    f.TweetFactory(
        case=case,
        author=x_user,
        brand_account=case.brand_account,
        text="@brandhelp three weeks and my blender is still stuck in customs",
    )
    f.DirectMessageFactory(
        case=case, sender=x_user, brand_account=case.brand_account, text="the parcel box was crushed when it came"
    )
    f.CaseFactory(reference="CS-2026-000001")  # another case that must not match
    return case


@pytest.mark.parametrize(
    "term",
    [
        "lena_hoff",
        "DE-40098765",
        "#DE-40098765",
        "LP00123456789012",
        "CS-2026-004711",
        "stuck in customs",
        "box was crushed",
    ],
)
def test_case_search_finds_by_handle_order_tracking_reference_and_text(admin_client, disputed_case, term):
    html = _found(admin_client, CASES_URL, term)
    assert "CS-2026-004711" in html
    assert "CS-2026-000001" not in html


def test_order_search_finds_by_number_and_tracking(admin_client, db):
    f.OrderFactory(order_number="US-10000077", tracking_number="1Z999AA10123456784")
    f.OrderFactory(order_number="US-10000078")
    url = reverse("admin:crm_twitter_order_changelist")
    assert "US-10000077" in _found(admin_client, url, "1Z999AA10123456784")
    assert "US-10000078" not in _found(admin_client, url, "US-10000077")


def test_tweet_and_dm_search_find_message_text_and_handle(admin_client, disputed_case):
    assert "stuck in customs" in _found(admin_client, reverse("admin:crm_twitter_tweet_changelist"), "customs")
    assert "lena_hoff" in _found(admin_client, reverse("admin:crm_twitter_directmessage_changelist"), "lena_hoff")


def test_customer_and_x_user_search_find_by_handle(admin_client, disputed_case):
    assert "Lena Hoffmann" in _found(admin_client, reverse("admin:crm_twitter_customer_changelist"), "lena_hoff")
    assert "@lena_hoff" in _found(admin_client, reverse("admin:crm_twitter_xuser_changelist"), "lena")


def test_text_from_x_is_escaped_in_admin_pages(admin_client, db):
    tweet = f.TweetFactory(text='<script>alert("x")</script> refund now', raw={"text": "<img src=x onerror=alert(1)>"})
    list_html = _found(admin_client, reverse("admin:crm_twitter_tweet_changelist"), "refund now")
    change_html = admin_client.get(reverse("admin:crm_twitter_tweet_change", args=[tweet.pk])).content.decode()
    for html in (list_html, change_html):
        assert '<script>alert("x")</script>' not in html
        assert "&lt;script&gt;" in html
    assert "<img src=x onerror" not in change_html


# --- credentials ------------------------------------------------------------------------------

SECRET = "sandbox-bearer-0c1d2e3f4a5b6c7d"


def test_credentials_never_appear_in_the_change_form(admin_client, db):
    account = f.BrandAccountFactory(credentials={"bearer_token": SECRET, "consumer_secret": "cs-" + SECRET})
    html = admin_client.get(reverse("admin:crm_twitter_brandaccount_change", args=[account.pk])).content.decode()
    assert SECRET not in html
    assert account.credentials_encrypted not in html
    assert 'type="password"' in html
    assert "Credentials stored" in html


def _account_post(account: m.BrandAccount, **extra) -> dict:
    data = {
        "handle": account.handle,
        "x_user_id": account.x_user_id,
        "display_name": account.display_name,
        "role": account.role,
        "region": "",
        "default_language": "en",
        "is_active": "on",
        "monthly_budget": "",
        "sync_interval_seconds": "",
    }
    data.update(extra)
    return data


def test_typing_a_credential_stores_it_encrypted_and_keeps_the_others(admin_client, db):
    account = f.BrandAccountFactory(credentials={"bearer_token": SECRET, "consumer_key": "ck-old"})
    url = reverse("admin:crm_twitter_brandaccount_change", args=[account.pk])
    response = admin_client.post(url, _account_post(account, consumer_key="ck-new"))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.get_credentials() == {"bearer_token": SECRET, "consumer_key": "ck-new"}
    assert "ck-new" not in account.credentials_encrypted


def test_saving_with_empty_credential_fields_keeps_what_is_stored(admin_client, db):
    account = f.BrandAccountFactory(credentials={"bearer_token": SECRET})
    url = reverse("admin:crm_twitter_brandaccount_change", args=[account.pk])
    assert admin_client.post(url, _account_post(account, display_name="Help EU")).status_code == 302
    account.refresh_from_db()
    assert account.display_name == "Help EU"
    assert account.get_credentials() == {"bearer_token": SECRET}


def test_credentials_can_be_removed(admin_client, db):
    account = f.BrandAccountFactory(credentials={"bearer_token": SECRET})
    url = reverse("admin:crm_twitter_brandaccount_change", args=[account.pk])
    assert admin_client.post(url, _account_post(account, clear_credentials="on")).status_code == 302
    account.refresh_from_db()
    assert not account.has_credentials


def test_adding_an_account_stores_its_credentials_encrypted(admin_client, db):
    data = _account_post(
        m.BrandAccount(handle="shop_help_jp", x_user_id="777000111", role="regional"), bearer_token=SECRET
    )
    response = admin_client.post(reverse("admin:crm_twitter_brandaccount_add"), data)
    assert response.status_code == 302
    account = m.BrandAccount.objects.get(handle="shop_help_jp")
    assert account.get_credentials() == {"bearer_token": SECRET}
    assert SECRET not in account.credentials_encrypted


# --- actions ------------------------------------------------------------------------------------


def _action(client, action: str, cases) -> object:
    return client.post(CASES_URL, {"action": action, "_selected_action": [c.pk for c in cases]})


def test_assign_to_me_assigns_through_the_workflow(admin_client, admin_user, db):
    # A superuser without a desk role is not on the roster: the admin who takes cases is a supervisor.
    admin_user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    cases = [f.CaseFactory(), f.CaseFactory()]
    response = _action(admin_client, "assign_to_me", cases)
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.assignee == admin_user
        assert case.events.filter(kind=m.CaseEvent.Kind.ASSIGNED, actor=admin_user).exists()


def test_close_closes_resolved_cases_and_reports_the_rest(admin_client, db):
    resolved = f.CaseFactory(status=m.CaseStatus.RESOLVED, outcome=m.Outcome.RESHIP)
    fresh = f.CaseFactory(status=m.CaseStatus.NEW)
    response = _action(admin_client, "close_cases", [resolved, fresh])
    assert response.status_code == 302
    resolved.refresh_from_db()
    fresh.refresh_from_db()
    assert resolved.status == m.CaseStatus.CLOSED
    assert fresh.status == m.CaseStatus.NEW
    messages = [str(msg) for msg in response.wsgi_request._messages]
    assert any("Closed 1 case" in msg for msg in messages)
    assert any(fresh.reference in msg for msg in messages)


def test_export_selected_cases_as_csv(admin_client, disputed_case, django_assert_max_num_queries):
    others = [f.CaseFactory(refund_amount="12.50", refund_currency="EUR") for _ in range(3)]
    with django_assert_max_num_queries(12):
        response = _action(admin_client, "export_csv", [disputed_case, *others])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    row = next(r for r in rows if r["reference"] == "CS-2026-004711")
    assert row["x_handle"] == "lena_hoff"
    assert row["orders"] == "DE-40098765"
    assert {r["refund_currency"] for r in rows if r["reference"] != "CS-2026-004711"} == {"EUR"}


def test_csv_export_neutralises_spreadsheet_formulas(admin_client, db):
    case = f.CaseFactory(customer=f.CustomerFactory(display_name='=HYPERLINK("http://evil")'))
    response = _action(admin_client, "export_csv", [case])
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["customer"].startswith("'=")


def test_editing_a_case_in_the_admin_goes_through_the_workflow(admin_client, admin_user, db):
    admin_user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    case = f.CaseFactory()
    url = reverse("admin:crm_twitter_case_change", args=[case.pk])
    data = {
        "assignee": admin_user.pk,
        "category": "",
        "language": "en",
        "priority": "normal",
        "requested_remedy": "",
        "expected_version": case.version,
    }
    for prefix in ("tweets", "direct_messages", "promises", "outbound_messages", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.assignee == admin_user
    assert case.version > 1
    assert case.events.filter(kind=m.CaseEvent.Kind.ASSIGNED).exists()


def test_a_stale_admin_form_is_refused(admin_client, admin_user, db):
    case = f.CaseFactory()
    url = reverse("admin:crm_twitter_case_change", args=[case.pk])
    m.Case.objects.filter(pk=case.pk).update(version=5)  # someone else changed it meanwhile
    data = {
        "assignee": admin_user.pk,
        "category": "",
        "language": "en",
        "priority": "normal",
        "requested_remedy": "",
        "expected_version": 1,
    }
    for prefix in ("tweets", "direct_messages", "promises", "outbound_messages", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data, follow=True)
    case.refresh_from_db()
    assert case.assignee is None
    html = response.content.decode()
    assert "Not saved" in html
    assert "changed successfully" not in html
    assert response.redirect_chain[-1][0] == url


def test_the_admin_index_lists_the_desk(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Cases" in response.content.decode()
