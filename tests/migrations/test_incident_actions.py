"""The incident templates are seeded in seven languages (public status update, public and DM
replies), each fits a post, and going back removes only the untouched seeded rows."""

from __future__ import annotations

import importlib

from django.apps import apps

from crm_twitter.models import ReplyTemplate
from crm_twitter.services.text_length import tweet_weighted_length

migration = importlib.import_module("crm_twitter.migrations.0015_incident_actions")
LANGUAGES = {"en", "zh", "es", "pt", "fr", "de", "ja"}


def test_every_language_has_a_status_update_and_a_public_and_dm_reply(db):
    seeded = ReplyTemplate.objects.filter(step__in=["incident_status", "incident_reply"], is_active=True)
    kinds = {(t.step, t.channel, t.language) for t in seeded}
    for language in LANGUAGES:
        assert {
            ("incident_status", "public", language),
            ("incident_reply", "public", language),
            ("incident_reply", "dm", language),
        } <= kinds
    for template in seeded.filter(channel="public"):
        # With a 15-character handle, a 40-character title and a 12-character signature.
        filled = template.body.replace("{handle}", "@" + "h" * 15).replace("{incident}", "t" * 40)
        assert tweet_weighted_length(filled.replace("{agent_signature}", "^" + "s" * 11)) <= 280, template.name


def test_going_back_keeps_a_desks_edited_template(db):
    step, _channel, language, name, _body = migration.INCIDENT_TEMPLATES[0]
    ReplyTemplate.objects.filter(step=step, language=language, name=name).update(body="Our own words")

    migration.unseed_incident_templates(apps, None)

    assert list(ReplyTemplate.objects.filter(step__startswith="incident_").values_list("body", flat=True)) == [
        "Our own words"
    ]
    migration.seed_incident_templates(apps, None)
    assert ReplyTemplate.objects.filter(step__startswith="incident_").count() == len(migration.INCIDENT_TEMPLATES)
