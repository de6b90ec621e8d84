"""A merge closes the duplicate through the transition table: a resolved or closed case is refused
(its outcome would leave the report with it), and the merged case's record, clocks and version
move as a close moves them."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus
from crm_twitter.services.errors import IllegalTransition
from crm_twitter.services.lifecycle import allowed_transitions, case_close
from crm_twitter.services.merge import case_merge
from tests.factories import CaseFactory, TweetFactory

from .conftest import NOW

H = dt.timedelta(hours=1)
S = CaseStatus


def _record(case: Case) -> tuple:
    """What someone looking at the case would notice: status, merge link, clocks, events, version."""
    case.refresh_from_db()
    return (
        case.status,
        case.merged_into_id,
        case.closed_at,
        case.sla_due_at,
        case.is_overdue,
        case.version,
        list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)),
    )


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
def test_a_resolved_or_closed_case_is_not_merged(frozen, agent, status):
    source = CaseFactory(status=status, resolved_at=NOW - H, closed_at=NOW - H if status == S.CLOSED else None)
    target = CaseFactory(customer=source.customer)
    tweet = TweetFactory(case=source)
    before, target_before = _record(source), _record(target)

    with pytest.raises(IllegalTransition) as refused:
        case_merge(source=source, target=target, actor=agent)

    assert refused.value.message == f"A {status.label.lower()} case cannot be merged; reopen it first."
    assert refused.value.field == "source"
    assert _record(source) == before and _record(target) == target_before  # nothing moved
    tweet.refresh_from_db()
    assert tweet.case_id == source.pk


@pytest.mark.parametrize("status", [*OPEN_STATUSES, S.NOT_ACTIONABLE])
def test_any_open_or_not_actionable_case_can_be_merged(frozen, agent, status):
    source = CaseFactory(status=status)
    target = CaseFactory(customer=source.customer)
    case_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == (S.CLOSED, target.pk)


def test_merging_is_never_offered_as_a_status_to_pick(db):
    # The merge rows of the table are the merge's: a person cannot close an open case by hand.
    for status in OPEN_STATUSES:
        assert S.CLOSED not in allowed_transitions(CaseFactory.build(status=status))


def test_the_merged_case_is_closed_as_a_close_closes_it(frozen, agent):
    """Two not-actionable duplicates: one closed by an agent, one merged. Their records agree —
    the status change event and its data, the stopped clocks, the version moved once — and the
    merge adds its own MERGED event."""
    closed = CaseFactory(status=S.NOT_ACTIONABLE, closed_at=NOW - 3 * H, is_overdue=True)
    merged = CaseFactory(status=S.NOT_ACTIONABLE, closed_at=NOW - 3 * H, is_overdue=True)
    target = CaseFactory(customer=merged.customer)
    versions = closed.version, merged.version

    case_close(case=closed, actor=agent)
    case_merge(source=merged, target=target, actor=agent)

    def status_changes(case):
        return [
            (e.kind, e.actor_id, e.created_at, {k: v for k, v in e.data.items() if k != "reason"})
            for e in case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED)
        ]

    closed.refresh_from_db()
    merged.refresh_from_db()
    assert (closed.version - versions[0], merged.version - versions[1]) == (1, 1)
    assert (
        status_changes(merged)
        == status_changes(closed)
        == [
            (
                CaseEvent.Kind.STATUS_CHANGED,
                agent.pk,
                NOW,
                {"from": S.NOT_ACTIONABLE, "to": S.CLOSED, "version": closed.version},
            )
        ]
    )
    assert [e.kind for e in merged.events.order_by("pk")] == [CaseEvent.Kind.STATUS_CHANGED, CaseEvent.Kind.MERGED]
    for case in (closed, merged):
        assert (case.status, case.closed_at, case.sla_due_at, case.is_overdue) == (S.CLOSED, NOW, None, False)


def test_an_overdue_open_case_stops_its_clocks_when_merged(frozen, agent):
    source = CaseFactory(
        status=S.IN_DM,
        opened_at=NOW - 9 * H,
        sla_resolution_due=NOW - H,
        sla_due_at=NOW - H,
        is_overdue=True,
    )
    target = CaseFactory(customer=source.customer)
    version = source.version

    case_merge(source=source, target=target, actor=agent)

    source.refresh_from_db()
    assert (source.status, source.closed_at, source.sla_due_at, source.is_overdue) == (S.CLOSED, NOW, None, False)
    assert source.version == version + 1
    [change] = source.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED)
    assert change.data["from"] == S.IN_DM and change.data["to"] == S.CLOSED
    assert change.data["version"] == source.version
    assert change.message == f"In DM → Closed: merged into {target}"
