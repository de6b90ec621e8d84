"""The rollup fold sees deletes, unlinks and in-place edits (issue #20): the days such a change made
stale (``RollupDirtyDay``), and the time zone the rollup days were cut in (a change refolds)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0018_ingest_speed")]

    operations = [
        migrations.CreateModel(
            name="RollupDirtyDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
            ],
            options={"verbose_name": "rollup day to refold"},
        ),
        migrations.AddField(
            model_name="rollupstate",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text="The merchant time zone the days were cut in (a change refolds).",
                max_length=64,
            ),
        ),
    ]
