"""Follow-the-sun routing, agent load and caps, manual assignment and "take it"."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_twitter.models import CaseEvent, Notification, TeamMembership
from crm_twitter.services.errors import StaleCase
from crm_twitter.services.routing import case_assign, case_route, case_take
from crm_twitter.services.working_hours import team_is_on_shift, working_time_add
from tests.factories import CaseFactory, TeamFactory, TeamMembershipFactory, UserFactory

from .conftest import NOW, weekdays

# --- Shifts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "hours", "at", "expected"),
    [
        ("UTC", weekdays("09:00", "18:00"), "2026-03-02T10:00Z", True),  # Monday 10:00
        ("UTC", weekdays("09:00", "18:00"), "2026-03-02T18:00Z", False),  # end is exclusive
        ("UTC", weekdays("09:00", "18:00"), "2026-03-01T10:00Z", False),  # Sunday off
        ("Asia/Tokyo", weekdays("09:00", "18:00"), "2026-03-02T01:00Z", True),  # 10:00 in Tokyo
        ("Asia/Tokyo", weekdays("09:00", "18:00"), "2026-03-02T10:00Z", False),  # 19:00 in Tokyo
        ("America/New_York", weekdays("09:00", "17:00"), "2026-03-02T15:00Z", True),  # 10:00 EST
        ("America/New_York", weekdays("09:00", "17:00"), "2026-03-02T23:00Z", False),  # 18:00 EST
        ("America/New_York", weekdays("09:00", "17:00"), "2026-03-09T13:30Z", True),  # 09:30 EDT after DST
        ("UTC", weekdays("00:00", "24:00"), "2026-03-02T23:59Z", True),  # "24:00" is the end of the day
        ("UTC", {"mon": [["22:00", "06:00"]]}, "2026-03-03T05:00Z", True),  # Monday's night shift, Tuesday 05:00
        ("UTC", {"mon": [["22:00", "06:00"]]}, "2026-03-03T07:00Z", False),
        ("UTC", {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}, "2026-03-02T12:30Z", False),  # lunch
    ],
)
def test_team_shift_follows_its_own_time_zone(db, zone, hours, at, expected):
    team = TeamFactory(time_zone=zone, working_hours=hours)
    assert team_is_on_shift(team, dt.datetime.fromisoformat(at)) is expected


def test_working_time_skips_nights_and_weekends():
    team = TeamFactory.build(time_zone="Europe/Berlin", working_hours=weekdays("09:00", "17:00"))
    friday_4pm_berlin = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)
    due = working_time_add(team, friday_4pm_berlin, 120)  # 1 h on Friday, 1 h on Monday
    assert due == dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 Berlin


# --- Team choice ----------------------------------------------------------------------------------


def test_new_case_goes_to_the_on_shift_team_speaking_its_language(frozen, open_case, make_team):
    make_team(languages=["en"], name="English")
    spanish = make_team(languages=["es"], name="Spanish")
    case = open_case(language="es", text="mi pedido no ha llegado")
    assert case.team == spanish and case.assignee == spanish.agents[0]


def test_language_variants_match_the_base_language(frozen, open_case, make_team):
    english = make_team(languages=["en"])
    assert open_case(language="en-GB").team == english


def test_follow_the_sun_picks_the_team_on_shift(frozen, open_case, make_team):
    tokyo = make_team(languages=["en"], time_zone="Asia/Tokyo", hours=weekdays("09:00", "18:00"), name="Tokyo")
    london = make_team(languages=["en"], time_zone="Europe/London", hours=weekdays("09:00", "18:00"), name="London")
    assert open_case().team == london  # 10:00 in London, 19:00 in Tokyo
    frozen.move_to(dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC))  # 10:00 in Tokyo, 01:00 in London
    assert open_case().team == tokyo


def test_no_team_on_shift_for_the_language_goes_to_the_fallback_team(frozen, open_case, make_team):
    make_team(languages=["de"], hours=weekdays("00:00", "01:00"), name="German")
    fallback = make_team(languages=["en"], is_fallback=True, name="Fallback")
    make_team(languages=["fr"], name="French")
    assert open_case(language="de").team == fallback


def test_without_fallback_any_team_on_shift_takes_it(frozen, open_case, make_team):
    make_team(languages=["de"], hours=weekdays("00:00", "01:00"), name="German")
    french = make_team(languages=["fr"], name="French")
    assert open_case(language="de").team == french


def test_with_nobody_on_shift_the_language_team_gets_it_for_the_morning(frozen, open_case, make_team):
    german = make_team(languages=["de"], hours=weekdays("00:00", "01:00"), name="German")
    make_team(languages=["fr"], hours=weekdays("00:00", "01:00"), name="French")
    case = open_case(language="de")
    assert case.team == german


def test_no_teams_leaves_the_case_unrouted(frozen, open_case):
    case = open_case()
    assert case.team is None and case.assignee is None


# --- Agent choice ---------------------------------------------------------------------------------


def test_least_loaded_agent_gets_the_case(frozen, open_case, make_team):
    team = make_team(agents=2)
    busy, free = team.agents
    CaseFactory.create_batch(3, assignee=busy, team=team)
    CaseFactory(assignee=free, team=team)
    assert open_case().assignee == free


def test_closed_cases_do_not_count_as_load(frozen, open_case, make_team):
    team = make_team(agents=2)
    a, b = team.agents
    CaseFactory.create_batch(3, assignee=a, team=team, status="closed")
    CaseFactory(assignee=b, team=team)
    assert open_case().assignee == a


def test_agents_at_their_cap_get_nothing_and_the_case_waits_in_the_team(frozen, open_case, make_team, settings):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "MAX_OPEN_CASES_PER_AGENT": 2}
    team = make_team(agents=1)
    CaseFactory.create_batch(2, assignee=team.agents[0], team=team)
    case = open_case()
    assert case.team == team and case.assignee is None


def test_membership_cap_overrides_the_setting(frozen, open_case, make_team):
    team = make_team(agents=1, cap=1)
    first = open_case()
    second = open_case()
    assert first.assignee == team.agents[0] and second.assignee is None


def test_unavailable_agents_and_supervisors_get_no_new_cases(frozen, open_case, make_team):
    team = make_team(agents=1, supervisors=1)
    TeamMembership.objects.filter(user=team.agents[0]).update(is_available=False)
    case = open_case()
    assert case.team == team and case.assignee is None
    # The team's supervisors are told a case is waiting for an agent.
    note = Notification.objects.get(case=case)
    assert note.user == team.supervisors[0] and "waiting" in note.message


def test_manual_assignment_tells_the_agent_and_the_team_supervisors_but_not_the_actor(frozen, make_team):
    team = make_team(agents=2, supervisors=2)
    case = CaseFactory(team=team)
    case_assign(case=case, assignee=team.agents[1], actor=team.supervisors[1])
    assert set(Notification.objects.filter(case=case).values_list("user_id", flat=True)) == {
        team.agents[1].pk,
        team.supervisors[0].pk,
    }


def test_an_agent_takes_and_drops_cases_but_cannot_hand_them_to_a_colleague(frozen, make_team):
    from crm_twitter.services.errors import NotPermitted

    team = make_team(agents=2, supervisors=0)
    case = CaseFactory(team=team)
    with pytest.raises(NotPermitted):
        case_assign(case=case, assignee=team.agents[1], actor=team.agents[0])
    case = case_assign(case=case, assignee=team.agents[0], actor=team.agents[0])
    assert case.assignee == team.agents[0]
    with pytest.raises(NotPermitted):
        case_assign(case=case, assignee=None, actor=team.agents[1])
    assert case_assign(case=case, assignee=None, actor=team.agents[0]).assignee is None


def test_a_batch_spreads_cases_over_agents(frozen, open_case, make_team):
    from crm_twitter.services.case_inputs import CaseOpenSpec
    from crm_twitter.services.case_intake import case_open_many
    from tests.factories import BrandAccountFactory, CustomerFactory

    team = make_team(agents=3)
    account, customer = BrandAccountFactory(credentials={}), CustomerFactory()
    cases = case_open_many(
        specs=[
            CaseOpenSpec(customer_id=customer.pk, brand_account_id=account.pk, opened_at=NOW, language="en")
            for _ in range(6)
        ]
    )
    loads = {a.pk: sum(c.assignee_id == a.pk for c in cases) for a in team.agents}
    assert sorted(loads.values()) == [2, 2, 2]


def test_assignment_notifies_the_agent(frozen, open_case, make_team):
    team = make_team(agents=1)
    case = open_case()
    note = Notification.objects.get(user=team.agents[0])
    assert note.kind == Notification.Kind.ASSIGNED and note.case == case


def test_case_route_reroutes_and_records(frozen, make_team):
    team = make_team(agents=1)
    case = CaseFactory(opened_at=NOW)
    routed = case_route(case=case)
    assert routed.team == team and routed.assignee == team.agents[0]
    kinds = set(routed.events.values_list("kind", flat=True))
    assert {CaseEvent.Kind.ROUTED, CaseEvent.Kind.ASSIGNED} <= kinds


# --- Manual assignment ----------------------------------------------------------------------------


def test_manual_assignment_ignores_the_cap_and_is_recorded(frozen, make_team, supervisor):
    team = make_team(agents=1, cap=0)
    agent = team.agents[0]
    case = CaseFactory(team=team)
    assigned = case_assign(case=case, assignee=agent, actor=supervisor, expected_version=case.version)
    assert assigned.assignee == agent
    event = assigned.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert event.actor == supervisor and event.data["assignee_id"] == agent.pk
    assert Notification.objects.filter(user=agent, case=case, kind=Notification.Kind.ASSIGNED).exists()


def test_reassignment_records_who_had_it_and_follows_the_new_team(frozen, make_team, supervisor):
    old_team, new_team = make_team(agents=1), make_team(agents=1)
    case = CaseFactory(team=old_team, assignee=old_team.agents[0])
    moved = case_assign(case=case, assignee=new_team.agents[0], actor=supervisor)
    assert moved.team == new_team
    event = moved.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert event.data["from_assignee_id"] == old_team.agents[0].pk
    assert event.message.startswith("Reassigned")


def test_unassigning(frozen, agent, supervisor):
    case = CaseFactory(assignee=agent)
    assert case_assign(case=case, assignee=None, actor=supervisor).assignee is None


def test_take_it_assigns_to_me_without_notifying_me(frozen, agent):
    case = CaseFactory()
    taken = case_take(case=case, actor=agent)
    assert taken.assignee == agent
    assert not Notification.objects.filter(user=agent).exists()


def test_assigning_with_a_stale_version_is_refused(frozen, agent, supervisor):
    case = CaseFactory()
    case_take(case=case, actor=agent)
    with pytest.raises(StaleCase):
        case_assign(case=case, assignee=supervisor, actor=supervisor, expected_version=case.version)


def test_inactive_users_cannot_be_assigned(frozen, supervisor):
    from crm_twitter.services.errors import CaseRuleError

    gone = UserFactory(is_active=False)
    TeamMembershipFactory(user=gone)
    with pytest.raises(CaseRuleError):
        case_assign(case=CaseFactory(), assignee=gone, actor=supervisor)
