"""The demo supervisor's first round: cases parked in a team that does not speak their language
go to the team that does.

Routing is follow-the-sun: a Chinese complaint arriving while the Shanghai team is off shift goes
to the fallback team, which is right at night and wrong for a demo loaded at any hour — agent_zh
would open the desk to an empty queue while their case sits with the on-call agent. A supervisor
moves such cases in the morning; the demo does the same, through the same service, so the record
shows who moved each case and why.
"""

from __future__ import annotations

from crm_twitter.models import OPEN_STATUSES, Case, Team
from crm_twitter.services.case_teams import case_move_team, team_speaks


def cases_to_language_teams(*, supervisor, brand_x_user_ids: list[str] | None = None) -> int:
    """Move every open case whose team does not speak its language to a (non-fallback) team that
    does; returns how many moved. Cases already in a team speaking their language stay put.

    ``brand_x_user_ids`` limits it to the demo's own accounts (a kept database may hold others)."""
    teams = [t for t in Team.objects.order_by("name", "pk") if not t.is_fallback]
    moved = 0
    cases = (
        Case.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(language="")
        .filter(**({} if brand_x_user_ids is None else {"brand_account__x_user_id__in": brand_x_user_ids}))
        .select_related("team")
        .order_by("opened_at", "pk")
    )
    for case in cases:
        if case.team is not None and team_speaks(case.team, case.language):
            continue
        target = next((team for team in teams if team_speaks(team, case.language)), None)
        if target is None or target.pk == case.team_id:
            continue
        case_move_team(
            case=case,
            team=target,
            actor=supervisor,
            reason=f"{target.name} speaks the customer's language",
        )
        moved += 1
    return moved
