"""Daily rollups the dashboard and the monthly report read (issue #20); derived data, rebuilt by
``crm_twitter_rollups --rebuild``."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0015_incident_actions")]

    operations = [
        migrations.CreateModel(
            name="RollupState",
            fields=[
                ("key", models.CharField(default="default", max_length=16, primary_key=True, serialize=False)),
                ("folded_at", models.DateTimeField(blank=True, null=True)),
                ("changed_since", models.DateTimeField(blank=True, null=True)),
                ("case_id", models.BigIntegerField(default=0)),
                ("event_id", models.BigIntegerField(default=0)),
                ("outcome_id", models.BigIntegerField(default=0)),
                ("promise_id", models.BigIntegerField(default=0)),
                ("item_id", models.BigIntegerField(default=0)),
                ("link_id", models.BigIntegerField(default=0)),
                (
                    "previous_marks",
                    models.JSONField(default=dict, help_text="The id marks of the fold before the last one."),
                ),
                (
                    "policies",
                    models.CharField(
                        blank=True, help_text="Fingerprint of the SLA policies folded with.", max_length=64
                    ),
                ),
                ("backlog", models.JSONField(default=dict)),
            ],
            options={
                "verbose_name": "rollup state",
            },
        ),
        migrations.CreateModel(
            name="RollupCaseDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(help_text="The day the case was opened, merchant time zone.")),
                ("account_id", models.BigIntegerField(blank=True, help_text="Brand account (id).", null=True)),
                ("language", models.CharField(max_length=16)),
                ("category", models.CharField(help_text="Confirmed category slug, or uncategorised.", max_length=64)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("complaint", "Complaint"),
                            ("merged", "Merged duplicate"),
                            ("not_actionable", "Not actionable"),
                        ],
                        max_length=16,
                    ),
                ),
                ("cases", models.IntegerField(default=0)),
                ("sla_met", models.IntegerField(default=0)),
                ("sla_breached", models.IntegerField(default=0)),
                (
                    "next_breach_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When the first case still pending turns breached (the fold refreshes it).",
                        null=True,
                    ),
                ),
                ("escalated", models.IntegerField(default=0)),
                ("escalated_1", models.IntegerField(default=0)),
                ("escalated_2", models.IntegerField(default=0)),
                ("escalated_3", models.IntegerField(default=0)),
                ("moved_to_dm", models.IntegerField(default=0)),
                ("satisfaction_count", models.IntegerField(default=0)),
                ("satisfaction_sum", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "case rollup (day)",
                "indexes": [
                    models.Index(fields=["day"], name="crm_tw_rollup_case_day"),
                    models.Index(
                        condition=models.Q(("next_breach_at__isnull", False)),
                        fields=["next_breach_at"],
                        name="crm_tw_rollup_case_breach",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RollupCountDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(help_text="Opened, recorded or due day (see kind), merchant time zone.")),
                ("kind", models.CharField(max_length=16)),
                ("category", models.CharField(max_length=64)),
                ("key1", models.CharField(blank=True, max_length=100)),
                ("key2", models.CharField(blank=True, max_length=64)),
                ("n", models.IntegerField(default=0)),
                ("refunds", models.IntegerField(default=0)),
                ("amount", models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True)),
            ],
            options={
                "verbose_name": "count rollup (day)",
                "indexes": [models.Index(fields=["kind", "day"], name="crm_tw_rollup_count_day")],
            },
        ),
        migrations.CreateModel(
            name="RollupDurationDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("metric", models.CharField(max_length=16)),
                ("category", models.CharField(max_length=64)),
                ("count", models.IntegerField(default=0)),
                ("sketch", models.JSONField(default=dict)),
            ],
            options={
                "verbose_name": "duration rollup (day)",
                "indexes": [models.Index(fields=["metric", "day"], name="crm_tw_rollup_duration_day")],
            },
        ),
        migrations.CreateModel(
            name="RollupDurationMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField()),
                ("metric", models.CharField(max_length=16)),
                ("category", models.CharField(max_length=64)),
                ("count", models.IntegerField(default=0)),
                ("sketch", models.JSONField(default=dict)),
            ],
            options={
                "verbose_name": "duration rollup (month)",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("month", "metric", "category"), name="crm_tw_rollup_duration_month_uniq"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RollupCountMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField()),
                ("kind", models.CharField(max_length=16)),
                ("category", models.CharField(max_length=64)),
                ("key1", models.CharField(blank=True, max_length=100)),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "count rollup (month)",
                "indexes": [models.Index(fields=["month", "kind"], name="crm_tw_rollup_count_month")],
            },
        ),
    ]
