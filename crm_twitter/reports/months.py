"""Months in the merchant's time zone: parsing what people type and the instants a month spans.

A report month is a calendar month on the merchant's wall clock (``CRM_TWITTER["TIME_ZONE"]``),
so a case opened at 23:30 local time on the last day belongs to that month even when it is
already the next month in UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.conf import app_settings

MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class ReportMonthError(ValueError):
    """A month that cannot be reported on; the message says why, in words a manager understands."""


@dataclass(frozen=True)
class MonthSpan:
    month: dt.date  # first day of the month
    start: dt.datetime  # aware, merchant time zone, inclusive
    end: dt.datetime  # aware, first instant of the next month, exclusive

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def title(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()


def merchant_tz() -> ZoneInfo:
    return ZoneInfo(app_settings.TIME_ZONE)


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_span(month: dt.date) -> MonthSpan:
    """The aware instants [start, end) of ``month`` on the merchant's wall clock."""
    tz = merchant_tz()
    first = month_first(month)
    nxt = month_add(first, 1)
    return MonthSpan(
        month=first,
        start=dt.datetime(first.year, first.month, 1, tzinfo=tz),
        end=dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz),
    )


def current_month(now: dt.datetime | None = None) -> dt.date:
    """The month it is now for the merchant."""
    local = timezone.localtime(now or timezone.now(), merchant_tz())
    return local.date().replace(day=1)


def previous_month(now: dt.datetime | None = None) -> dt.date:
    return month_add(current_month(now), -1)


def month_validate(month: dt.date, *, now: dt.datetime | None = None) -> dt.date:
    """Refuse months that have not started yet; the current month (so far) is allowed."""
    first = month_first(month)
    this = current_month(now)
    if first > this:
        raise ReportMonthError(
            _("%(month)s is in the future (it is %(now)s in %(time_zone)s); a report covers a month that has started.")
            % {"month": f"{first:%Y-%m}", "now": f"{this:%Y-%m}", "time_zone": app_settings.TIME_ZONE}
        )
    return first


def month_parse(value: str | None, *, now: dt.datetime | None = None) -> dt.date:
    """Parse ``YYYY-MM`` (e.g. ``2026-10``) into the month's first day, refusing bad or future months."""
    match = MONTH_RE.match(value or "")
    if not match:
        raise ReportMonthError(
            _("%(value)s is not a month: write it as YYYY-MM, for example 2026-10.") % {"value": repr(value)}
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ReportMonthError(
            _("%(value)s is not a month: the month number must be 01 to 12.") % {"value": repr(value)}
        )
    if year < 2000:
        raise ReportMonthError(
            _("%(value)s is too far in the past: the year must be 2000 or later.") % {"value": repr(value)}
        )
    return month_validate(dt.date(year, month, 1), now=now)
