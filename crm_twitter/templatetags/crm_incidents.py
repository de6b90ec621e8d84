"""Template tags of the incident pages: the nav link's rule and its badge (only registrations)."""

from __future__ import annotations

from django import template

from crm_twitter.roles import user_may_view_incidents
from crm_twitter.selectors.incidents import incidents_open_count

register = template.Library()


@register.filter
def may_view_incidents(user) -> bool:
    """Whether the top bar offers "Incidents": only to those the page lets in (no link to a 403)."""
    return user_may_view_incidents(user)


@register.simple_tag
def open_incidents_count() -> int:
    """Open incidents, for the nav badge (one query; only asked for those who may view them)."""
    return incidents_open_count()
