"""An existing desk's seeded acknowledgements lose the DM link; a desk's own wording is kept."""

from __future__ import annotations

import importlib

from django.apps import apps

from crm_twitter.models import ReplyTemplate

migration = importlib.import_module("crm_twitter.migrations.0012_acknowledgements_without_link")


def test_the_old_seeded_text_is_replaced_and_an_edited_one_is_left_alone(db):
    language, name, old, new = migration.ACKNOWLEDGEMENTS[0]
    seeded = ReplyTemplate.objects.get(step="acknowledge", language=language, name=name)
    seeded.body = old  # as a desk seeded before this release still has it
    seeded.save(update_fields=["body"])
    edited = ReplyTemplate.objects.create(
        step="acknowledge", language=language, name="Our own", channel="public", body=old + " Thanks!"
    )

    migration.forwards(apps, None)

    seeded.refresh_from_db()
    edited.refresh_from_db()
    assert seeded.body == new and "{dm_link}" not in seeded.body
    assert edited.body == old + " Thanks!"

    migration.backwards(apps, None)
    seeded.refresh_from_db()
    assert seeded.body == old
