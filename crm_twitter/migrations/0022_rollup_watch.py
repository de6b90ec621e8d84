"""The rollup fold's self-check: per-day digests of the raw rows behind the recent days."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0021_queue_plans")]

    operations = [
        migrations.AddField(
            model_name="rollupstate",
            name="checks",
            field=models.JSONField(
                default=dict,
                help_text="Per-day digests of the raw rows behind the recent days, as last folded (the self-check).",
            ),
        ),
    ]
