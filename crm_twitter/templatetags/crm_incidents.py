"""Template tags of the incident pages: the nav link's rule, its badge, and the ``<time>`` element a
translated sentence places where its language wants it ("since <time>, 40 cases")."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from crm_twitter.dates import short_datetime
from crm_twitter.roles import user_may_view_incidents
from crm_twitter.services.incident_counts import incidents_open_count_cached

register = template.Library()


@register.filter
def may_view_incidents(user) -> bool:
    """Whether the top bar offers "Incidents": only to those the page lets in (no link to a 403)."""
    return user_may_view_incidents(user)


@register.simple_tag
def open_incidents_count() -> int:
    """Open incidents, for the nav badge (from the cache; only asked for those who may view them)."""
    return incidents_open_count_cached()


@register.filter
def time_element(moment: dt.datetime | None) -> SafeString | str:
    """``<time datetime="…">`` with the short local date and time, safe to pass into a
    ``blocktranslate`` as a whole (a sentence's word order is the translator's, not the template's)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return format_html('<time datetime="{}">{}</time>', dateformat.format(local, "c"), short_datetime(moment))
