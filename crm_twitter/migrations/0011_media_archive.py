import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0010_webhook_deliveries"),
    ]

    operations = [
        # --- the media archive ---------------------------------------------------------------------
        migrations.AddField(
            model_name="media",
            name="archive_status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be archived"),
                    ("archived", "Archived"),
                    ("failed", "Could not be archived"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="media",
            name="archive_file",
            field=models.FileField(blank=True, max_length=300, upload_to=""),
        ),
        migrations.AddField(
            model_name="media",
            name="archive_source_url",
            field=models.URLField(blank=True, help_text="The URL the copy was fetched from.", max_length=1000),
        ),
        migrations.AddField(model_name="media", name="sha256", field=models.CharField(blank=True, max_length=64)),
        migrations.AddField(
            model_name="media", name="size", field=models.PositiveBigIntegerField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="media", name="content_type", field=models.CharField(blank=True, max_length=100)
        ),
        migrations.AddField(model_name="media", name="fetched_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(
            model_name="media", name="archive_attempts", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="media", name="archive_next_attempt_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="media", name="archive_error_code", field=models.CharField(blank=True, max_length=32)
        ),
        migrations.AddField(
            model_name="media", name="archive_error", field=models.CharField(blank=True, max_length=500)
        ),
        migrations.AddIndex(
            model_name="media",
            index=models.Index(
                condition=models.Q(("archive_status", "pending")),
                fields=["archive_next_attempt_at"],
                name="crm_tw_media_archive_due",
            ),
        ),
        # --- evidence packs --------------------------------------------------------------------------
        migrations.CreateModel(
            name="EvidencePack",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("building", "Building"),
                            ("ready", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("include_notes", models.BooleanField(default=False)),
                ("redact_third_parties", models.BooleanField(default=False)),
                ("pdf_file", models.FileField(blank=True, max_length=300, upload_to="")),
                ("zip_file", models.FileField(blank=True, max_length=300, upload_to="")),
                ("pdf_sha256", models.CharField(blank=True, max_length=64)),
                ("zip_sha256", models.CharField(blank=True, max_length=64)),
                ("zip_size", models.PositiveBigIntegerField(blank=True, null=True)),
                (
                    "public_key",
                    models.CharField(blank=True, help_text="Ed25519 key that signed the manifest.", max_length=64),
                ),
                ("message_count", models.PositiveIntegerField(default=0)),
                ("media_count", models.PositiveIntegerField(default=0)),
                (
                    "media_missing",
                    models.PositiveIntegerField(default=0, help_text="Media that could not be archived."),
                ),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence_packs",
                        to="crm_twitter.case",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "evidence pack", "ordering": ["-created_at", "-id"]},
        ),
        # --- the audit event of a generated pack ---------------------------------------------------------
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status_changed", "Status changed"),
                    ("assigned", "Assigned"),
                    ("routed", "Routed to team"),
                    ("note", "Internal note"),
                    ("escalated", "Escalated"),
                    ("deescalated", "De-escalated"),
                    ("priority_changed", "Priority changed"),
                    ("promise_made", "Promise made"),
                    ("promise_kept", "Promise kept"),
                    ("promise_missed", "Promise missed"),
                    ("promise_cancelled", "Promise cancelled"),
                    ("reply_queued", "Reply queued"),
                    ("reply_sent", "Reply sent"),
                    ("reply_failed", "Reply failed"),
                    ("message_received", "Message received"),
                    ("public_nudge", "Public nudge"),
                    ("sla_breached", "SLA breached"),
                    ("category_set", "Category set"),
                    ("order_linked", "Order linked"),
                    ("order_unlinked", "Order unlinked"),
                    ("outcome_recorded", "Outcome recorded"),
                    ("merged", "Merged"),
                    ("reopened", "Reopened"),
                    ("private_data_flagged", "Private data posted publicly"),
                    ("satisfaction", "Satisfaction rated"),
                    ("updated", "Updated"),
                    ("evidence_pack", "Evidence pack generated"),
                ],
                max_length=32,
            ),
        ),
    ]
