import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0009_user_preferences"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("received_at", models.DateTimeField(auto_now_add=True)),
                ("body", models.TextField(help_text="The raw body X signed, as received.")),
                ("body_sha256", models.CharField(db_index=True, max_length=64)),
                ("signature_verified", models.BooleanField(default=False)),
                ("source", models.CharField(default="webhook", help_text="webhook or stream", max_length=16)),
                (
                    "format",
                    models.CharField(
                        choices=[
                            ("xaa", "X Activity API"),
                            ("v1", "Account Activity API (v1.1)"),
                            ("unknown", "Unrecognised"),
                        ],
                        default="unknown",
                        max_length=8,
                    ),
                ),
                ("event_uuid", models.CharField(blank=True, db_index=True, max_length=64)),
                ("event_types", models.JSONField(blank=True, default=list)),
                ("for_user_id", models.CharField(blank=True, max_length=32)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be processed"),
                            ("processed", "Processed"),
                            ("duplicate", "Duplicate of an earlier delivery"),
                            ("ignored", "Nothing to ingest"),
                            ("unhandled", "Unknown event type (kept)"),
                            ("rejected", "Rejected (malformed)"),
                            ("failed", "Failed (will be retried)"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("error", models.TextField(blank=True)),
                ("counts", models.JSONField(blank=True, default=dict, help_text="New rows the delivery made.")),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("processed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="webhook_deliveries",
                        to="crm_twitter.brandaccount",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
                "ordering": ["-received_at", "-id"],
                "indexes": [
                    models.Index(fields=["outcome", "received_at"], name="crm_tw_whdeliv_outcome"),
                    models.Index(fields=["account", "received_at"], name="crm_tw_whdeliv_account"),
                ],
            },
        ),
    ]
