"""The case page's "Evidence pack" link and the page that builds and downloads packs."""

from __future__ import annotations

import pytest
from django.test import Client

from crm_twitter.evidence import signing
from crm_twitter.models import EvidencePack
from crm_twitter.tasks.evidence import evidence_pack_build_task
from tests.factories import TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_agent_builds_a_pack_from_the_case_page_and_downloads_it(
    evidence_case, agent, monkeypatch, django_capture_on_commit_callbacks
):
    evidence_case.team = agent.crm_team
    evidence_case.save()
    jobs = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: jobs.append(args))
    client = Client()
    client.force_login(agent)

    case_page = client.get(f"/inbox/case/{evidence_case.pk}/").content.decode()
    assert f'href="/evidence/case/{evidence_case.pk}/"' in case_page and "Evidence pack" in case_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/evidence/case/{evidence_case.pk}/", {"redact_third_parties": "1"}, follow=True)
    assert "is being built" in response.content.decode()
    evidence_pack_build_task(*jobs[0])

    page = client.get(f"/evidence/case/{evidence_case.pk}/").content.decode()
    pack = EvidencePack.objects.get()
    assert pack.status == "ready" and pack.redact_third_parties
    assert f"/evidence/pack/{pack.pk}/zip/" in page and signing.public_key_text() in page
    download = client.get(f"/evidence/pack/{pack.pk}/pdf/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_pages_follow_case_visibility(evidence_case, agent):
    pack = EvidencePack.objects.create(case=evidence_case, status="ready", zip_file="x.zip")
    stranger = UserFactory(username="bob", roles=["crm_agent"])
    TeamMembershipFactory(user=stranger)
    client = Client()
    client.force_login(stranger)

    assert client.get(f"/evidence/case/{evidence_case.pk}/").status_code == 404
    assert client.post(f"/evidence/case/{evidence_case.pk}/").status_code == 404
    assert client.get(f"/evidence/pack/{pack.pk}/zip/").status_code == 404
    assert EvidencePack.objects.count() == 1


def test_the_admin_shows_the_public_key(admin_user):
    client = Client()
    client.force_login(admin_user)

    page = client.get("/admin/crm_twitter/evidencepack/").content.decode()

    assert signing.public_key_text() in page
