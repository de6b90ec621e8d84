"""A user who chose Chinese (简体中文) in their preferences reads every inbox and report page in
Chinese: no string of the app's own catalogue shows up in English.

The desk is the demo's (loaded offline: cases in every status, timelines with events, escalations,
promises, a year of history for the charts), plus incidents from the builders in tests/incidents/
(the demo opens none). The language comes from the user's preference alone: the browser sends no
Accept-Language.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command

import crm_twitter

PO = Path(crm_twitter.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Words that read the same in a Chinese interface (codes, product names, symbols).
NEUTRAL = re.compile(r"^[\W\d_]*$|^(SLA|SKU|CSV|XLSX|HTML|DM|API|ID|X|URL|OK)$")


def catalogue() -> dict[str, str]:
    """msgid → msgstr of the zh-Hans catalogue (singular forms; plural msgids count too)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = ""

    def flush() -> None:
        msgid = current.get("msgid", "")
        if msgid:
            entries[msgid] = current.get("msgstr", "") or current.get("msgstr[0]", "")
            if current.get("msgid_plural"):
                entries[current["msgid_plural"]] = current.get("msgstr[1]", "") or current.get("msgstr[0]", "")

    for raw in PO.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if current:
                flush()
                current, key = {}, ""
            continue
        if line.startswith('"'):
            current[key] = current.get(key, "") + ast.literal_eval(line)
            continue
        key, _, value = line.partition(" ")
        if key in ("msgctxt", "msgid") and "msgid" in current and "msgstr" in str(list(current)):
            flush()
            current = {}
        current[key] = ast.literal_eval(value)
    flush()
    return entries


def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """A whole-text pattern per English msgid that is not meant to read the same in Chinese."""
    patterns = []
    for msgid, msgstr in catalogue().items():
        if msgstr == msgid or NEUTRAL.match(msgid) or not re.search(r"[A-Za-z]{2}", msgid):
            continue
        parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", msgid.replace("%%", "%"))
        if sum(len(re.findall(r"[A-Za-z]", part)) for part in parts) < 5:
            continue  # "%(month)s in %(time_zone)s": too little English of its own to recognise
        body = ".+?".join(
            re.escape(part.strip()) if i in (0, len(parts) - 1) else re.escape(part) for i, part in enumerate(parts)
        )
        patterns.append((msgid, re.compile(rf"^\s*{body}\s*$", re.S)))
    return patterns


class Texts(HTMLParser):
    """Visible text and the texts read aloud (aria-label, title, placeholder, alt), leaving out
    what customers wrote (marked with its own ``lang``) and scripts."""

    SKIP = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (self.stack and self.stack[-1]) or tag in self.SKIP
        own_lang = attrs.get("lang") and tag != "html" and not attrs["lang"].lower().startswith("zh")
        if not skipped:
            self.texts += [attrs[a] for a in ("aria-label", "title", "placeholder", "alt") if attrs.get(a)]
        if tag not in self.VOID:
            self.stack.append(bool(skipped or own_lang))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1]):
            self.texts.append(data.strip())


@pytest.fixture
def demo_desk(db):
    call_command("crm_twitter_demo", "--offline", "--history", "3", verbosity=0)


def untranslated(html: str, patterns) -> set[str]:
    parser = Texts()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for msgid, pattern in patterns:
            if pattern.match(text):
                found.add(msgid)
    return found


def incident_pages() -> list[str]:
    """An open incident with linked cases, orders, history and a public status update, a second
    open one on the same account (so the page offers a merge), a closed one with its root cause;
    the list, each page, and the reply-all plan (a GET: shown, nothing sent)."""
    from django.db.models import Max
    from django.utils import timezone

    from crm_twitter.models import Case, Incident, IncidentEvent, OutboundMessage
    from tests.factories import CaseFactory, OutboundMessageFactory
    from tests.incidents.page_builders import surge_incident

    # The demo's references are CS-<year>-<id>, as are the factory's: start the factory past them.
    CaseFactory.reset_sequence(Case.objects.aggregate(last=Max("pk"))["last"] + 1000)
    surge = surge_incident()
    incident = surge.incident
    OutboundMessageFactory(
        case=None,
        recipient=None,
        incident=incident,
        brand_account=surge.brand,
        channel=OutboundMessage.Channel.POST,
        text="Estamos cientes de atrasos da DHL para o Brasil.",
    )
    for kind in (IncidentEvent.Kind.GREW, IncidentEvent.Kind.ALERTED, IncidentEvent.Kind.STATUS_UPDATE):
        IncidentEvent.objects.create(incident=incident, kind=kind, created_at=timezone.now())
    surge_incident(brand=surge.brand, title="Broken blender · SKU-9", cases=2)
    closed = surge_incident(title="Late parcel · Correios · BR", cases=2, status=Incident.Status.CLOSED)
    Incident.objects.filter(pk=closed.incident.pk).update(
        root_cause="Correios strike in São Paulo", closed_at=timezone.now()
    )
    return [
        "/inbox/incidents/",
        "/inbox/incidents/?status=closed",
        f"/inbox/incidents/{incident.pk}/",
        f"/inbox/incidents/{incident.pk}/?reply_channel=dm",
        f"/inbox/incidents/{incident.pk}/?reply_channel=public",
        f"/inbox/incidents/{closed.incident.pk}/",
    ]


@pytest.mark.django_db
def test_every_inbox_and_report_page_reads_in_chinese_for_a_user_who_chose_it(demo_desk, client):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from crm_twitter.models import Case
    from crm_twitter.reports.months import previous_month
    from crm_twitter.selectors.queues import QUEUES
    from crm_twitter.services.preferences import user_language_set

    supervisor = get_user_model().objects.get(username="demo")
    user_language_set(user=supervisor, language="zh-hans")
    client.force_login(supervisor)

    month = previous_month(timezone.now())
    pages = [f"/inbox/?queue={queue}" for queue in QUEUES]
    # One case of each status, escalated or not: their panels and timelines differ.
    seen_status: dict[str, int] = {}
    for pk, status, level in Case.objects.order_by("-pk").values_list("pk", "status", "escalation_level"):
        seen_status.setdefault(f"{status}-{bool(level)}", pk)
    pages += [f"/inbox/case/{pk}/" for pk in seen_status.values()]
    pages += [
        "/inbox/preferences/",
        "/reports/",
        f"/reports/?month={month:%Y-%m}",
        f"/reports/export/?month={month:%Y-%m}",
    ]
    # Incidents, as a supervisor sees them (built before the dashboard is read: it lists the open ones).
    pages += incident_pages()

    patterns = english_patterns()
    problems = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Content-Language", "").startswith("zh"), url
        found = untranslated(response.content.decode(), patterns)
        if found:
            problems[url] = sorted(found)
    assert not problems, "\n".join(f"{url}: {found}" for url, found in problems.items())
