"""Issue #16: the dashboard is a summary a manager reads in one screen — headline numbers, the
category trend, what is rising (categories, SKUs, carriers) — with the detail behind links."""

from __future__ import annotations

import re

from django.urls import reverse

DASHBOARD = reverse("crm_twitter_reports:dashboard")


def test_the_summary_comes_first_and_the_detail_waits_behind_links(client, october, manager):
    client.force_login(manager)
    html = client.get(DASHBOARD + "?month=2026-10").content.decode()
    summary, _sep, rest = html.partition('<nav class="dash-links"')
    assert 'class="cards"' in summary and 'data-chart="volume"' in summary
    rising = summary.split('class="dash-rising"')[1]
    for title in ("Categories", "SKUs", "Carriers"):
        assert re.search(rf"<h3>[^<]*{title}[^<]*</h3>", rising, re.I), title
    # Everything else is in closed disclosures the links point at.
    for section, chart in (
        ("dash-times", "first_response"),
        ("dash-backlog", "backlog"),
        ("dash-detail", "categories"),
    ):
        assert f'href="#{section}"' in rest
        block = rest.split(f'<details class="dash-more" id="{section}">')[1].split("</details>")[0]
        assert f'data-chart="{chart}"' in block
    assert 'data-chart="first_response"' not in summary and " open>" not in rest.split("<details")[1]
