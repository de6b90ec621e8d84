"""Who may do what (crm_twitter/roles.py): the inbox, the API and the admin give the same answer.

Only the three desk roles count. A group merely named like ours (a host project's ``crm_marketing``)
grants nothing: the inbox used to admit any ``crm_*`` group while the API admitted the three.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm_twitter.models import CaseEvent
from crm_twitter.roles import (
    ROLE_PERMISSIONS,
    Ability,
    Role,
    roles_with,
    user_can_act_on_cases,
    user_is_desk_user,
    user_may,
    user_sees_all_cases,
    users_with,
)
from tests.api.conftest import token_client
from tests.factories import CaseFactory, TeamMembershipFactory, UserFactory

# who -> (opens the desk, acts on cases, sees every team's cases)
PEOPLE = {
    "agent": (["crm_agent"], {}, (True, True, False)),
    "supervisor": (["crm_supervisor"], {}, (True, True, True)),
    "manager": (["crm_manager"], {}, (True, False, True)),
    "superuser": ([], {"is_superuser": True}, (True, True, True)),
    "no group": ([], {}, (False, False, False)),
    "a host project's crm_ group": (["crm_marketing"], {}, (False, False, False)),
    "deactivated agent": (["crm_agent"], {"is_active": False}, (False, False, False)),
}


def _person(who: str):
    roles, extra, _ = PEOPLE[who]
    user = UserFactory(username=who.replace(" ", "_").replace("'", ""), roles=roles, **extra)
    team = TeamMembershipFactory(user=user).team
    return user, CaseFactory(team=team)


def _inbox_opens(client, user, case) -> bool:
    client.force_login(user)
    queue = client.get(reverse("crm_twitter_inbox:queue"))
    page = client.get(reverse("crm_twitter_inbox:case", args=[case.pk]))
    assert queue.status_code in (200, 302, 403) and page.status_code == queue.status_code
    client.logout()
    return queue.status_code == 200


def _api_opens(user, case) -> bool:
    api = token_client(user)
    listing, row = api.get("/api/v1/cases/"), api.get(f"/api/v1/cases/{case.pk}/")
    assert listing.status_code in (200, 401, 403) and row.status_code == listing.status_code
    return listing.status_code == 200


def _inbox_acts(client, user, case) -> bool:
    client.force_login(user)
    response = client.post(reverse("crm_twitter_inbox:note", args=[case.pk]), {"text": "from the inbox"})
    client.logout()
    assert response.status_code in (200, 302, 403), response.status_code
    return case.events.filter(kind=CaseEvent.Kind.NOTE, message__contains="from the inbox").exists()


def _api_acts(user, case) -> bool:
    response = token_client(user).post(f"/api/v1/cases/{case.pk}/notes/", {"text": "from the API"}, format="json")
    assert response.status_code in (201, 401, 403), response.content
    return response.status_code == 201


@pytest.mark.parametrize("who", list(PEOPLE))
def test_the_inbox_and_the_api_admit_and_refuse_the_same_people(client, db, who):
    user, case = _person(who)
    opens, _acts, _sees_all = PEOPLE[who][2]
    assert {"inbox": _inbox_opens(client, user, case), "API": _api_opens(user, case)} == {
        "inbox": opens,
        "API": opens,
    }
    assert user_is_desk_user(user) is opens


@pytest.mark.parametrize("who", ["agent", "supervisor", "manager", "superuser"])
def test_the_inbox_and_the_api_let_the_same_roles_act_on_cases(client, db, who):
    user, case = _person(who)
    acts = PEOPLE[who][2][1]
    assert {"inbox": _inbox_acts(client, user, case), "API": _api_acts(user, case)} == {"inbox": acts, "API": acts}
    assert user_can_act_on_cases(user) is acts


@pytest.mark.parametrize("who", ["agent", "supervisor", "manager", "superuser"])
def test_the_inbox_the_api_and_the_admin_agree_on_who_sees_other_teams_cases(client, db, who):
    user, _own = _person(who)
    elsewhere = CaseFactory()  # no team of theirs
    sees_all = PEOPLE[who][2][2]
    client.force_login(user)
    inbox = client.get(reverse("crm_twitter_inbox:case", args=[elsewhere.pk])).status_code
    api = token_client(user).get(f"/api/v1/cases/{elsewhere.pk}/").status_code
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    admin = client.get(reverse("admin:crm_twitter_case_change", args=[elsewhere.pk])).status_code
    expected = 200 if sees_all else 404
    assert {"inbox": inbox, "API": api, "admin": admin} == dict.fromkeys(("inbox", "API", "admin"), expected)
    assert user_sees_all_cases(user) is sees_all


def test_a_manager_may_read_but_a_change_case_permission_lets_them_act(client, db):
    """Acting follows the model permission the admin can grant or take away, in both interfaces."""
    from django.contrib.auth.models import Permission

    user, case = _person("manager")
    user.user_permissions.add(Permission.objects.get(codename="change_case", content_type__app_label="crm_twitter"))
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert _inbox_acts(client, user, case) and _api_acts(user, case)


def test_the_table_names_the_three_roles_and_what_each_may_do():
    assert [role.value for role in Role] == ["crm_agent", "crm_supervisor", "crm_manager"]
    assert roles_with(Ability.USE_DESK) == ("crm_agent", "crm_supervisor", "crm_manager")
    assert roles_with(Ability.SEE_ALL_CASES) == ("crm_supervisor", "crm_manager")
    assert roles_with(Ability.IMPORT_ORDERS) == ("crm_supervisor", "crm_manager")
    assert roles_with(Ability.UNLOCK_SIGNINS) == ("crm_supervisor",)
    assert roles_with(Ability.SYNC_ALERTS) == ("crm_supervisor", "crm_manager")
    assert roles_with(Ability.TAKE_CASES) == ("crm_agent", "crm_supervisor")


def test_superusers_may_everything_but_are_not_on_the_roster(db):
    root = UserFactory(is_superuser=True)
    assert all(user_may(root, a) for a in Ability if a is not Ability.TAKE_CASES)
    assert not user_may(root, Ability.TAKE_CASES)
    agent = UserFactory(roles=["crm_agent"])
    assert set(users_with(Ability.TAKE_CASES)) == {agent}


def test_sync_alerts_reach_supervisors_managers_and_superusers_only(db):
    told = {
        UserFactory(roles=["crm_supervisor"]),
        UserFactory(roles=["crm_manager"]),
        UserFactory(is_superuser=True),
        UserFactory(roles=["crm_agent", "crm_manager"]),
    }
    UserFactory(roles=["crm_agent"]), UserFactory(roles=["crm_marketing"])
    UserFactory(roles=["crm_supervisor"], is_active=False)
    assert set(users_with(Ability.SYNC_ALERTS)) == told


def test_the_groups_the_migration_creates_hold_the_tables_permissions(db):
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames), role
    assert "change_case" in ROLE_PERMISSIONS[Role.AGENT] and "change_case" in ROLE_PERMISSIONS[Role.SUPERVISOR]
    assert "change_case" not in ROLE_PERMISSIONS[Role.MANAGER]
