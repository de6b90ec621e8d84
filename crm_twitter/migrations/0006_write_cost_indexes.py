"""Indexes that earn their write cost: the sync writes tweets, cases and events in bulk.

Every index is paid on each INSERT, and on each UPDATE that PostgreSQL cannot make HOT (a case
changes indexed columns with nearly every message). This migration removes the ones that do
no work and keeps one index for every inbox filter and every lookup the sync makes:

* foreign keys whose column already leads a composite index lose their own index (a case's
  customer, team, assignee, category and brand account; a tweet's case, author and brand
  account; an event's case; a DM's case and sender);
* mostly-empty foreign keys get a partial index of their non-empty rows (merged_into,
  reopened_from, the actor of an event, sent_by, a medium's tweet or DM);
* unique text columns (X ids, media keys, case references) become UniqueConstraints, and the
  indexed conversation columns plain ``Index``es: on PostgreSQL that drops the
  ``varchar_pattern_ops`` copy of each, which only a case-sensitive ``LIKE 'x%'`` would use.

On PostgreSQL the foreign keys whose index changes are re-validated and the unique indexes
rebuilt, holding table locks meanwhile: 31 s for 1,000,000 tweets and 100,000 cases on a 2-core
machine (bench/inbox.py's database). On a larger desk, run it in a quiet moment.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0005_inbox_unassigned_team_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="crm_cases",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="brand_account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="crm_twitter.brandaccount",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="category",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="crm_twitter.complaintcategory",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="crm_twitter.customer",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="merged_cases",
                to="crm_twitter.case",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="reference",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AlterField(
            model_name="case",
            name="reopened_from",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="follow_up_cases",
                to="crm_twitter.case",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="cases",
                to="crm_twitter.team",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty for the system (sync, rules, sweep).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="crm_twitter.case",
            ),
        ),
        migrations.AlterField(
            model_name="directmessage",
            name="case",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="direct_messages",
                to="crm_twitter.case",
            ),
        ),
        migrations.AlterField(
            model_name="directmessage",
            name="dm_conversation_id",
            field=models.CharField(max_length=80),
        ),
        migrations.AlterField(
            model_name="directmessage",
            name="sender",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sent_dms",
                to="crm_twitter.xuser",
            ),
        ),
        migrations.AlterField(
            model_name="directmessage",
            name="sent_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="directmessage",
            name="x_event_id",
            field=models.CharField(max_length=32),
        ),
        migrations.AlterField(
            model_name="media",
            name="direct_message",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="media",
                to="crm_twitter.directmessage",
            ),
        ),
        migrations.AlterField(
            model_name="media",
            name="media_key",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="media",
            name="tweet",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="media",
                to="crm_twitter.tweet",
            ),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="author",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tweets",
                to="crm_twitter.xuser",
            ),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="brand_account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tweets",
                to="crm_twitter.brandaccount",
            ),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="case",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tweets",
                to="crm_twitter.case",
            ),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="conversation_id",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="in_reply_to_tweet_id",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="sent_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="tweet",
            name="x_id",
            field=models.CharField(max_length=32),
        ),
        migrations.AlterField(
            model_name="xuser",
            name="handle",
            field=models.CharField(max_length=50),
        ),
        migrations.AlterField(
            model_name="xuser",
            name="x_id",
            field=models.CharField(max_length=32),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="crm_tw_case_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("reopened_from__isnull", False)),
                fields=["reopened_from"],
                name="crm_tw_case_reopened_from",
            ),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="crm_tw_event_actor"
            ),
        ),
        migrations.AddIndex(
            model_name="directmessage",
            index=models.Index(fields=["dm_conversation_id"], name="crm_tw_dm_conversation"),
        ),
        migrations.AddIndex(
            model_name="directmessage",
            index=models.Index(
                condition=models.Q(("sent_by__isnull", False)), fields=["sent_by"], name="crm_tw_dm_sent_by"
            ),
        ),
        migrations.AddIndex(
            model_name="media",
            index=models.Index(
                condition=models.Q(("tweet__isnull", False)), fields=["tweet"], name="crm_tw_media_tweet"
            ),
        ),
        migrations.AddIndex(
            model_name="media",
            index=models.Index(
                condition=models.Q(("direct_message__isnull", False)), fields=["direct_message"], name="crm_tw_media_dm"
            ),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=models.Index(fields=["conversation_id"], name="crm_tw_tweet_conversation"),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=models.Index(fields=["in_reply_to_tweet_id"], name="crm_tw_tweet_in_reply_to"),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=models.Index(
                condition=models.Q(("sent_by__isnull", False)), fields=["sent_by"], name="crm_tw_tweet_sent_by"
            ),
        ),
        migrations.AddIndex(
            model_name="xuser",
            index=models.Index(fields=["handle"], name="crm_tw_xuser_handle"),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(fields=("reference",), name="crm_tw_case_reference_unique"),
        ),
        migrations.AddConstraint(
            model_name="directmessage",
            constraint=models.UniqueConstraint(fields=("x_event_id",), name="crm_tw_dm_x_event_id_unique"),
        ),
        migrations.AddConstraint(
            model_name="media",
            constraint=models.UniqueConstraint(fields=("media_key",), name="crm_tw_media_key_unique"),
        ),
        migrations.AddConstraint(
            model_name="tweet",
            constraint=models.UniqueConstraint(fields=("x_id",), name="crm_tw_tweet_x_id_unique"),
        ),
        migrations.AddConstraint(
            model_name="xuser",
            constraint=models.UniqueConstraint(fields=("x_id",), name="crm_tw_xuser_x_id_unique"),
        ),
    ]
