"""Accessibility in the markup the server sends (issue #23); the behaviour in a browser is in
test_accessibility_browser.py.

What a screen-reader or keyboard user depends on before any script runs: each message says its
language, the self-refreshing parts are not live regions, lists need an explicit button to act,
the queue's refresh can tell "nothing changed", and the pages outside the inbox carry a language
and keyboard-reachable scroll areas.
"""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseStatus
from tests.factories import CaseFactory, DirectMessageFactory, TweetFactory, UserFactory


def case_url(case, name="case"):
    return reverse(f"crm_twitter_inbox:{name}", args=[case.pk])


def message_langs(html: str) -> list[tuple[str, str]]:
    """(lang, text) of each message body in the timeline."""
    return [
        (lang, re.sub(r"<[^>]+>", "", text).strip())
        for lang, text in re.findall(r'<div class="msg-text" lang="([^"]*)" dir="auto">(.*?)</div>', html, re.S)
    ]


def test_each_message_is_read_in_its_own_language_in_a_chinese_interface(client, agent, team_case, brand_user):
    case = team_case(language="de")
    customer = case.customer_x_user
    at = timezone.now() - dt.timedelta(hours=1)
    TweetFactory(case=case, author=customer, brand_account=case.brand_account, text="My parcel is late", lang="en")
    TweetFactory(case=case, author=customer, brand_account=case.brand_account, text="🙁📦", lang="und", created_at=at)
    DirectMessageFactory(
        case=case, brand_account=case.brand_account, sender=customer, recipient=brand_user, text="包裹坏了", lang="zh"
    )
    client.force_login(agent)

    html = client.get(case_url(case), headers={"Accept-Language": "zh-hans"}).content.decode()

    assert '<html lang="zh-hans">' in html
    langs = dict((text, lang) for lang, text in message_langs(html))
    assert langs["My parcel is late"] == "en"  # X's label
    assert langs["包裹坏了"] == "zh"  # detected at ingest for the DM
    assert langs["🙁📦"] == "de"  # X could not tell: the case's language


def test_a_queue_row_preview_is_marked_with_the_case_language(client, agent, team_case):
    team_case(language="es", last_message_preview="me enviaron el artículo equivocado")
    client.force_login(agent)
    html = client.get(reverse("crm_twitter_inbox:queue") + "?queue=all_open").content.decode()
    assert '<span class="preview" lang="es" dir="auto">me enviaron el artículo equivocado</span>' in html


def test_self_refreshing_parts_are_not_live_regions(client, agent, team_case, brand_user):
    from tests.inbox.conftest import conversation

    case = team_case()
    conversation(case, brand_user)
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()

    presence = re.search(r'<div id="presence"[^>]*>', html).group(0)
    verdict = re.search(r'<div id="compose-verdict"[^>]*>', html).group(0)
    assert "aria-live" not in presence and "aria-live" not in verdict
    # The quiet regions the script speaks through instead.
    assert '<div id="presence-status" class="sr-only" role="status"></div>' in html
    assert '<div id="compose-status" class="sr-only" role="status"></div>' in html

    preview = client.post(case_url(case, "compose_preview"), {"channel": "public", "text": "mail me: jane@example.com"})
    assert 'role="alert"' not in preview.content.decode()  # was re-inserted ~250 ms after each keystroke
    assert "data-announce" in preview.content.decode()


def test_presence_redrawing_names_its_state_so_unchanged_pings_are_skipped(client, agent, team_case):
    case = team_case()
    client.force_login(agent)
    first = client.post(case_url(case, "presence"), {"v": case.version}).content.decode()
    second = client.post(case_url(case, "presence"), {"v": case.version}).content.decode()
    state = re.search(r'data-state="([^"]*)"', first).group(1)
    assert state == "|" and re.search(r'data-state="([^"]*)"', second).group(1) == state
    assert 'role="alert"' not in first

    type(case).objects.filter(pk=case.pk).update(version=case.version + 1)
    changed = client.post(case_url(case, "presence"), {"v": case.version}).content.decode()
    assert re.search(r'data-state="([^"]*)"', changed).group(1) == "changed|"
    assert 'role="alert"' not in changed  # read out once by the script, not on every 4-second redraw


def test_lists_that_change_things_need_an_explicit_button(client, supervisor, team_case):
    case = team_case()
    client.force_login(supervisor)
    html = client.get(case_url(case)).content.decode()

    assert "data-autosubmit" not in html
    lang_form = re.search(r'<form class="lang-form".*?</form>', html, re.S).group(0)
    assert '<button type="submit" class="topbar-btn" aria-label="Apply language">Apply</button>' in lang_form
    assign_form = re.search(r'<form [^>]*class="inline assign-form".*?</form>', html, re.S).group(0)
    assert 'id="assign-apply">Assign</button>' in assign_form


def test_queue_filters_act_on_a_committed_choice_not_on_change(client, agent):
    client.force_login(agent)
    html = client.get(reverse("crm_twitter_inbox:queue")).content.decode()
    form = re.search(r'<form class="filters".*?>', html, re.S).group(0)
    assert 'hx-trigger="crm:commit, submit,' in form and "change," not in form
    assert re.search(r'<select name="status" id="id_status" data-commit>', html)


def test_queue_refresh_fingerprint_ignores_ticking_countdowns_but_not_changes(client, agent, team_case):
    now = timezone.now()
    case = team_case(sla_due_at=now + dt.timedelta(hours=2))
    client.force_login(agent)
    url = reverse("crm_twitter_inbox:queue") + "?queue=all_open"

    def fingerprint() -> str:
        html = client.get(url, headers={"HX-Request": "true", "HX-Target": "queue-results"}).content.decode()
        return re.search(r'data-fingerprint="([0-9a-f]+)"', html).group(1)

    with time_machine.travel(now, tick=False):
        first = fingerprint()
    with time_machine.travel(now + dt.timedelta(minutes=3), tick=False):
        assert fingerprint() == first  # "2h 00m left" became "1h 57m left": the page ticks that itself
        type(case).objects.filter(pk=case.pk).update(status=CaseStatus.PENDING_MERCHANT)
        assert fingerprint() != first


def test_case_page_offers_a_skip_link_to_the_reply_box(client, agent, team_case):
    case = team_case()
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    skip = re.search(r'<div class="skip-links">(.*?)</div>', html, re.S).group(1)
    assert skip.index('href="#main"') < skip.index('href="#composer"')
    assert '<section id="composer" class="composer"' in html and 'tabindex="-1"' in html

    reader = UserFactory(username="rita", roles=["crm_manager"])
    client.force_login(reader)
    assert 'href="#composer"' not in client.get(case_url(case)).content.decode()  # no reply box to skip to


def test_composer_modes_are_one_radio_group(client, agent, team_case, brand_user):
    from tests.inbox.conftest import conversation

    case = team_case()
    conversation(case, brand_user)
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    group = re.search(r'<fieldset class="composer-tabs">(.*?)</fieldset>', html, re.S).group(1)
    assert '<legend class="sr-only">Send as</legend>' in group
    assert re.findall(r'type="radio" name="composer_mode" id="mode-(\w+)"', group) == ["public", "dm", "note"]
    assert 'role="tab' not in html and "aria-controls" not in group


def test_media_links_are_named_by_what_they_show(client, agent, team_case, brand_user):
    from tests.inbox.conftest import conversation

    case = team_case()
    conversation(case, brand_user, tweets=1, dms=0, media=1)
    client.force_login(agent)
    html = client.get(case_url(case)).content.decode()
    thumb = re.search(r'<a class="thumb[^"]*"[^>]*>.*?</a>', html, re.S).group(0)
    # The visible "Evidence" mark is part of the link's name (no aria-label hiding it, WCAG 2.5.3).
    assert "aria-label" not in thumb
    assert 'alt="Open media: broken box"' in thumb


def test_api_docs_and_exported_report_say_their_language(client, supervisor):
    client.force_login(supervisor)
    docs = client.get(reverse("crm_twitter_api:docs")).content.decode()
    assert '<html lang="en">' in docs
    report = client.get(reverse("crm_twitter_reports:export") + "?month=2026-10&format=html").content.decode()
    assert '<html lang="en">' in report
    assert re.search(r'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="report-\w+-title">', report)


def test_dashboard_chart_tables_have_no_empty_headers(client, supervisor):
    CaseFactory()
    client.force_login(supervisor)
    html = client.get(reverse("crm_twitter_reports:dashboard")).content.decode()
    assert '<table class="chart-numbers">' in html
    assert '<th scope="col"></th>' not in html  # the corner cell is a plain cell
