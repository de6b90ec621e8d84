"""Two agents acting on one case at the same moment: one change wins, the other is refused cleanly.

Needs PostgreSQL (row locks); skipped on SQLite unless CRM_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from crm_twitter.models import Case, CaseEvent, CaseStatus
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.lifecycle import case_resolve
from crm_twitter.services.routing import case_assign
from tests.factories import CaseFactory, UserFactory

# Skip before the transactional database is set up: its flush would wipe the seed rows other tests use.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("CRM_REQUIRE_POSTGRES") != "1",
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(*calls):
    """Run the calls in threads released together; returns (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except CaseRuleError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, errors


@pytest.mark.parametrize("with_version", [True, False])
def test_two_agents_resolving_at_once_one_succeeds(on_postgres, with_version, settings):
    # No survey DM: queueing it after the resolution would move the version once more.
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "SATISFACTION_SURVEY": False}
    case = CaseFactory(status=CaseStatus.IN_DM)
    alice, bob = UserFactory(), UserFactory()
    version = case.version if with_version else None
    results, errors = _race(
        lambda: case_resolve(
            case=case,
            actor=alice,
            outcome="refund",
            refund_amount="10",
            refund_currency="USD",
            expected_version=version,
        ),
        lambda: case_resolve(case=case, actor=bob, outcome="reship", expected_version=version),
    )
    assert len(results) == 1 and len(errors) == 1
    assert errors[0].code in ("stale", "illegal_transition")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.outcome == results[0].outcome
    if with_version:
        assert case.version == version + 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.OUTCOME_RECORDED).count() == 1


def test_two_supervisors_assigning_at_once_end_consistent(on_postgres):
    case = CaseFactory()
    # Both on the roster (a desk role that takes cases, able to work every team).
    alice, bob = UserFactory(roles=["crm_supervisor"]), UserFactory(roles=["crm_supervisor"])
    sam = UserFactory(roles=["crm_supervisor"])
    results, errors = _race(
        lambda: case_assign(case=case, assignee=alice, actor=sam, expected_version=case.version),
        lambda: case_assign(case=case, assignee=bob, actor=sam, expected_version=case.version),
    )
    assert len(results) == 1 and len(errors) == 1
    case.refresh_from_db()
    assert case.assignee == results[0].assignee
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ASSIGNED).count() == 1


def test_concurrent_escalations_each_count(on_postgres):
    case = CaseFactory()
    sam, sue = UserFactory(), UserFactory()
    _, errors = _race(
        lambda: case_escalate(case=case, actor=sam, reason="Press"),
        lambda: case_escalate(case=case, actor=sue, reason="Lawyer"),
    )
    assert not errors
    case = Case.objects.get(pk=case.pk)
    assert case.escalation_level == 2
    levels = sorted(e.data["level"] for e in CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ESCALATED))
    assert levels == [1, 2]
