"""The evidence-pack API: request, poll, download — within the case's visibility rules."""

from __future__ import annotations

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from crm_twitter.evidence.verify import verify_pack
from crm_twitter.models import CaseEvent, EvidencePack
from crm_twitter.tasks.evidence import evidence_pack_build_task
from tests.factories import TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    jobs = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: jobs.append((func, args)))
    return jobs


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_post_builds_in_the_background_then_the_pack_downloads_and_verifies(
    evidence_case, agent, queued, django_capture_on_commit_callbacks
):
    evidence_case.team = agent.crm_team
    evidence_case.save()
    client = _client(agent)
    url = f"/api/v1/cases/{evidence_case.pk}/evidence-packs/"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"include_notes": True}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["zip_url"] is None and body["include_notes"] is True
    assert queued == [("crm_twitter.tasks.evidence.evidence_pack_build_task", (body["id"],))]

    evidence_pack_build_task(*queued[0][1])  # what the worker runs

    pack = client.get(f"{url}{body['id']}/").json()
    assert pack["status"] == "ready" and pack["message_count"] == 5 and pack["media_missing"] == 1
    assert pack["requested_by"]["username"] == agent.username
    download = client.get(pack["zip_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert 'filename="CS-2026-000042.zip"' in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert verify_pack(io.BytesIO(data)).ok
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "CS-2026-000042.pdf" in archive.namelist()
    pdf = client.get(pack["pdf_url"])
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert [p["id"] for p in client.get(url).json()["results"]] == [pack["id"]]
    event = CaseEvent.objects.get(case=evidence_case, kind=CaseEvent.Kind.EVIDENCE_PACK)
    assert event.actor == agent and "internal notes included" in event.message


def test_an_agent_of_another_team_gets_404_for_the_case_and_its_packs(evidence_case, agent, queued):
    evidence_case.team = agent.crm_team
    evidence_case.save()
    pack = EvidencePack.objects.create(case=evidence_case, requested_by=agent)
    other = UserFactory(username="bob", roles=["crm_agent"])
    TeamMembershipFactory(user=other)
    client = _client(other)
    base = f"/api/v1/cases/{evidence_case.pk}/evidence-packs/"

    assert client.post(base, {}, format="json").status_code == 404
    assert client.get(base).status_code == 404
    assert client.get(f"{base}{pack.pk}/").status_code == 404
    assert client.get(f"{base}{pack.pk}/download/zip/").status_code == 404
    assert EvidencePack.objects.count() == 1 and queued == []


def test_a_pack_not_ready_is_not_downloadable_and_bad_input_is_refused(evidence_case, supervisor, queued):
    client = _client(supervisor)
    base = f"/api/v1/cases/{evidence_case.pk}/evidence-packs/"
    pack = EvidencePack.objects.create(case=evidence_case)

    assert client.get(f"{base}{pack.pk}/download/zip/").status_code == 404
    refused = client.post(base, {"include_notes": "yes", "colour": "red"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"include_notes", "colour"}
    assert EvidencePack.objects.count() == 1 and queued == []
