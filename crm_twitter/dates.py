"""Dates and times as the reader's language writes them ("Dec 2, 20:16" / "12月2日 20:16").

The formats are catalogue entries (context "date format"), so each language writes its own order
and words — a Chinese reader got "十二月 2, 20:16" from the English pattern with Chinese month
names. Aware values are shown in the current time zone, which ``tz_label`` names.
"""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, timezone
from django.utils.translation import pgettext


def _local(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def short_datetime(value: dt.datetime | None) -> str:
    """Month, day and time: "Dec 2, 20:16" (en), "12月2日 20:16" (zh-Hans)."""
    if not value:
        return ""
    return dateformat.format(_local(value), pgettext("date format", "M j, H:i"))


def short_date(value: dt.date | dt.datetime | None) -> str:
    """A day: "Dec 2, 2026" (en), "2026年12月2日" (zh-Hans)."""
    if not value:
        return ""
    return dateformat.format(_local(value), pgettext("date format", "M j, Y"))


def month_short(value: dt.date | None) -> str:
    """A month on a chart axis: "Dec 25" (en), "25年12月" (zh-Hans)."""
    if not value:
        return ""
    return dateformat.format(value, pgettext("date format", "M y"))


def month_long(value: dt.date | None) -> str:
    """A month in a sentence or title: "December 2026" (en), "2026年12月" (zh-Hans)."""
    if not value:
        return ""
    return dateformat.format(value, pgettext("date format", "F Y"))


def tz_label(value: dt.datetime | None = None) -> str:
    """The current time zone as readers everywhere know it: "UTC", "UTC+8", "UTC−5:30" (at
    ``value``, for the offset of that day, else now)."""
    moment = timezone.localtime(value if value and timezone.is_aware(value) else timezone.now())
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
