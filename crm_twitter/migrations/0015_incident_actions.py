"""Incident actions: a public post channel for the status update, the two incident template steps,
and their seeded templates in seven languages.

The status update is a post of its own (``OutboundMessage.Channel.POST``), replying to nobody.
Templates: ``incident_status`` (the public status update; ``{incident}`` is the incident's title)
and ``incident_reply`` (each linked customer, public or DM; the usual case placeholders). Only rows
still holding the seeded text are removed on the way back: a desk's own edits stay. Reversible.
"""

from django.db import migrations, models

from crm_twitter.seeds import INCIDENT_TEMPLATES


def seed_incident_templates(apps, schema_editor):
    ReplyTemplate = apps.get_model("crm_twitter", "ReplyTemplate")
    for step, channel, language, name, body in INCIDENT_TEMPLATES:
        ReplyTemplate.objects.get_or_create(
            step=step, language=language, name=name, defaults={"body": body, "channel": channel}
        )


def unseed_incident_templates(apps, schema_editor):
    ReplyTemplate = apps.get_model("crm_twitter", "ReplyTemplate")
    for step, _channel, language, name, body in INCIDENT_TEMPLATES:
        ReplyTemplate.objects.filter(step=step, language=language, name=name, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0014_incident_detection")]

    operations = [
        migrations.AlterField(
            model_name="outboundmessage",
            name="channel",
            field=models.CharField(
                choices=[("public_reply", "Public reply"), ("dm", "Direct message"), ("post", "Public post")],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="replytemplate",
            name="step",
            field=models.CharField(
                choices=[
                    ("acknowledge", "Acknowledge and move to DM"),
                    ("request_details", "Ask for order details (DM)"),
                    ("update", "Progress update"),
                    ("promise", "Promise with deadline"),
                    ("resolve", "Resolution (DM)"),
                    ("public_close", "Public close"),
                    ("privacy_warning", "Please delete private data"),
                    ("satisfaction", "Satisfaction survey (DM)"),
                    ("nudge_reply", "Answer to a public nudge"),
                    ("incident_status", "Incident status update (public post)"),
                    ("incident_reply", "Incident: reply to a linked customer"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(seed_incident_templates, unseed_incident_templates),
    ]
