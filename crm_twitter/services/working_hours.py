"""Working hours: a team's shifts and "plus N minutes of working time" (what SLA clocks count in).

Working hours are ``{"mon": [["09:00", "18:00"]], ...}`` in the team's own time zone; "24:00"
means the end of the day and an interval whose end is before its start runs past midnight.
Pure maths on a Team's fields, no queries: routing asks who is on shift, the SLA clocks ask when
a due time falls — one definition for both.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from crm_twitter.models import Team

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- Shifts ---------------------------------------------------------------------------------------


def team_zone(team: Team) -> dt.tzinfo:
    try:
        return ZoneInfo(team.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _minutes(value: str) -> int:
    hours, _, minutes = str(value).strip().partition(":")
    total = int(hours) * 60 + int(minutes or 0)
    if not 0 <= total <= 24 * 60:
        raise ValueError(f"not a time of day: {value!r}")
    return total


def shift_intervals(team: Team, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The team's working intervals that start on ``day`` (local date), as aware datetimes."""
    zone = team_zone(team)
    hours = team.working_hours or {}
    out = []
    for pair in hours.get(DAYS[day.weekday()], []) or []:
        try:
            start_min, end_min = _minutes(pair[0]), _minutes(pair[1])
        except (ValueError, IndexError, TypeError):
            continue
        # Local wall-clock times resolved to real instants; an end before the start is tomorrow.
        start = _local(day, start_min, zone)
        end = _local(day, end_min, zone) if end_min > start_min else _local(day + dt.timedelta(days=1), end_min, zone)
        if end <= start:
            continue
        out.append((start, end))
    return out


def _local(day: dt.date, minutes: int, zone: dt.tzinfo) -> dt.datetime:
    extra_days, minutes = divmod(minutes, 24 * 60)
    day = day + dt.timedelta(days=extra_days)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def team_is_on_shift(team: Team, now: dt.datetime | None = None) -> bool:
    """Is ``now`` inside one of the team's working intervals (today's, or yesterday's overnight one)?"""
    now = now or timezone.now()
    local_day = now.astimezone(team_zone(team)).date()
    for day in (local_day - dt.timedelta(days=1), local_day):
        for start, end in shift_intervals(team, day):
            if start <= now < end:
                return True
    return False


def team_has_hours(team: Team) -> bool:
    return any(shift_intervals(team, dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(7))


def working_time_add(team: Team | None, start: dt.datetime, minutes: float) -> dt.datetime:
    """``start`` plus ``minutes`` of the team's working time (calendar time without a team or hours)."""
    if team is None or minutes <= 0 or not team_has_hours(team):
        return start + dt.timedelta(minutes=minutes)
    remaining = dt.timedelta(minutes=minutes)
    local_day = start.astimezone(team_zone(team)).date() - dt.timedelta(days=1)
    for _day in range(400):  # a year and a bit of days is plenty for any SLA
        for begin, end in sorted(shift_intervals(team, local_day)):
            if end <= start:
                continue
            begin = max(begin, start)
            if begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        local_day += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=minutes)
