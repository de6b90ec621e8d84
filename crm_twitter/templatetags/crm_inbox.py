"""The inbox's template tags: they only register functions (formatters: ``crm_twitter.inbox.display``)."""

from __future__ import annotations

from django import template

from crm_twitter import dates
from crm_twitter.inbox import display
from crm_twitter.roles import user_sees_all_cases
from crm_twitter.services.event_text import known_text

register = template.Library()

# The formatters live in crm_twitter.inbox.display (pure functions, shared with the views).
register.filter("sla", display.sla_countdown)
register.filter("first_line", display.first_line)
register.filter("initials", display.initials)
register.filter("hue", display.hue)
register.filter("compact", display.compact)
register.filter("person", display.person)
register.filter("without_leading_mentions", display.without_leading_mentions)
# Sentences the desk itself wrote (escalation reasons of the rules), in the reader's language.
register.filter("known_text", known_text)
# Dates in the reader's language and the current time zone (crm_twitter.dates).
register.filter("short_datetime", dates.short_datetime)
register.filter("short_date", dates.short_date)
register.filter("month_long", dates.month_long)
register.simple_tag(dates.tz_label, name="tz_label")


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


@register.filter
def may_see_reports(user) -> bool:
    """Whether the top bar offers "Reports": only to those the reports let in (no link to a 403)."""
    return user_sees_all_cases(user)
