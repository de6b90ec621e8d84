"""Category suggestions leave the ingest transaction: pages mark cases, the task reads them."""

from __future__ import annotations

import pytest

from crm_twitter.models import Case, ComplaintCategory
from crm_twitter.services.categorisation import cases_suggest_pending
from crm_twitter.tasks.sync import sync_account_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_background(settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "CATEGORY_SUGGEST_IN_BACKGROUND": True}


def test_ingest_marks_cases_and_the_pending_sweep_suggests(sandbox, brand, sync, in_background):
    user = sandbox.state.add_user("rosa")
    sandbox.state.customer_tweet(user, "@AcmeHelp hello??")
    sync()
    case = Case.objects.get()
    assert case.suggestion_model == "" and case.suggested_category is None  # waiting for the worker

    assert cases_suggest_pending() == 1
    case.refresh_from_db()
    assert case.suggestion_model.startswith("shipped-")
    first_reading = case.suggested_category

    # The customer says what happened: the case waits for a new reading, which uses both messages.
    sandbox.state.customer_dm(user, "AcmeHelp", "the mug I ordered arrived smashed, the handle is broken off")
    sync()
    case.refresh_from_db()
    assert case.suggestion_model == ""
    cases_suggest_pending()
    case.refresh_from_db()
    assert case.suggested_category.slug == "damaged" and case.suggested_category != first_reading


def test_a_confirmed_category_is_never_marked_or_changed(sandbox, brand, sync, in_background):
    user = sandbox.state.add_user("tomas")
    sandbox.state.customer_tweet(user, "@AcmeHelp my parcel never arrived")
    sync()
    other = ComplaintCategory.objects.get(slug="other")
    Case.objects.update(category=other, category_confirmed=True, suggestion_model="shipped-x")
    sandbox.state.customer_dm(user, "AcmeHelp", "the mug arrived smashed")
    sync()
    case = Case.objects.get()
    assert case.suggestion_model == "shipped-x" and cases_suggest_pending() == 0
    assert case.category == other


def test_the_sync_task_reads_what_its_pages_brought(sandbox, brand, in_background):
    user = sandbox.state.add_user("ines")
    sandbox.state.customer_dm(user, "AcmeHelp", "Hola, pagué dos veces el mismo pedido, me cobraron doble")
    result = sync_account_task(brand.pk)
    case = Case.objects.get()
    assert result["suggested"] == 1
    assert case.suggested_category.slug == "payment-double-charge" and case.language == "es"
