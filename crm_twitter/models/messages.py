"""Every public and private message, keyed by X's own ids so ingesting twice never doubles."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_twitter.models.choices import Direction


class Party(models.TextChoices):
    """Who wrote a message, relative to the case it belongs to."""

    CUSTOMER = "customer", _("Customer")
    BRAND = "brand", _("Brand")
    THIRD_PARTY = "third_party", _("Third party")


class ArchiveStatus(models.TextChoices):
    """Where a medium's archived copy stands."""

    PENDING = "pending", _("Waiting to be archived")
    ARCHIVED = "archived", _("Archived")
    FAILED = "failed", _("Could not be archived")


class Tweet(models.Model):
    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        REPLY = "reply", _("Reply")
        QUOTE = "quote", _("Quote")
        RETWEET = "retweet", _("Retweet")

    # Written in bulk by every sync: no index that another one already covers (see Case), and
    # X ids unique through a constraint (no LIKE-pattern index on PostgreSQL).
    x_id = models.CharField(max_length=32)
    brand_account = models.ForeignKey(
        "crm_twitter.BrandAccount", on_delete=models.PROTECT, related_name="tweets", db_index=False
    )
    author = models.ForeignKey("crm_twitter.XUser", on_delete=models.PROTECT, related_name="tweets", db_index=False)
    case = models.ForeignKey(
        "crm_twitter.Case", on_delete=models.SET_NULL, related_name="tweets", null=True, blank=True, db_index=False
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    party = models.CharField(max_length=16, choices=Party.choices, default=Party.CUSTOMER)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ORIGINAL)
    text = models.TextField()
    lang = models.CharField(max_length=16, blank=True)
    conversation_id = models.CharField(max_length=32, blank=True)
    in_reply_to_tweet_id = models.CharField(max_length=32, blank=True)
    in_reply_to_user_id = models.CharField(max_length=32, blank=True)
    quoted_tweet_id = models.CharField(max_length=32, blank=True)
    mentioned_user_ids = models.JSONField(default=list, blank=True)
    public_metrics = models.JSONField(default=dict, blank=True)
    engagement = models.PositiveIntegerField(default=0, help_text=_("Likes + retweets + replies + quotes."))
    contains_private_data = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    ingested_at = models.DateTimeField(auto_now_add=True)
    sent_via_desk = models.BooleanField(default=False, help_text=_("Outbound sent by crm_twitter itself."))
    sent_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "x_id"]
        constraints = [models.UniqueConstraint(fields=["x_id"], name="crm_tw_tweet_x_id_unique")]
        indexes = [
            models.Index(fields=["case", "created_at"], name="crm_tw_tweet_case_time"),
            models.Index(fields=["brand_account", "created_at"], name="crm_tw_tweet_acct_time"),
            models.Index(fields=["author", "created_at"], name="crm_tw_tweet_author_time"),
            models.Index(fields=["conversation_id"], name="crm_tw_tweet_conversation"),
            models.Index(fields=["in_reply_to_tweet_id"], name="crm_tw_tweet_in_reply_to"),
            models.Index(fields=["sent_by"], name="crm_tw_tweet_sent_by", condition=models.Q(sent_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"Tweet {self.x_id}"

    @property
    def url(self) -> str:
        return f"https://x.com/i/web/status/{self.x_id}"


class DirectMessage(models.Model):
    x_event_id = models.CharField(max_length=32)
    dm_conversation_id = models.CharField(max_length=80)
    brand_account = models.ForeignKey(
        "crm_twitter.BrandAccount", on_delete=models.PROTECT, related_name="direct_messages"
    )
    sender = models.ForeignKey("crm_twitter.XUser", on_delete=models.PROTECT, related_name="sent_dms", db_index=False)
    recipient = models.ForeignKey(
        "crm_twitter.XUser", on_delete=models.PROTECT, related_name="received_dms", null=True, blank=True
    )
    case = models.ForeignKey(
        "crm_twitter.Case",
        on_delete=models.SET_NULL,
        related_name="direct_messages",
        null=True,
        blank=True,
        db_index=False,
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    event_type = models.CharField(max_length=32, default="MessageCreate")
    text = models.TextField(blank=True)
    # X gives DMs no language: the desk detects it (crm_twitter.classify.language).
    lang = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(db_index=True)
    ingested_at = models.DateTimeField(auto_now_add=True)
    sent_via_desk = models.BooleanField(default=False)
    sent_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("direct message")
        ordering = ["created_at", "x_event_id"]
        constraints = [models.UniqueConstraint(fields=["x_event_id"], name="crm_tw_dm_x_event_id_unique")]
        indexes = [
            models.Index(fields=["case", "created_at"], name="crm_tw_dm_case_time"),
            models.Index(fields=["sender", "created_at"], name="crm_tw_dm_sender_time"),
            models.Index(fields=["dm_conversation_id"], name="crm_tw_dm_conversation"),
            models.Index(fields=["sent_by"], name="crm_tw_dm_sent_by", condition=models.Q(sent_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"DM {self.x_event_id}"


class Media(models.Model):
    class Type(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        ANIMATED_GIF = "animated_gif", _("Animated GIF")

    media_key = models.CharField(max_length=64)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.PHOTO)
    url = models.URLField(max_length=500, blank=True)
    preview_image_url = models.URLField(max_length=500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.TextField(blank=True)
    tweet = models.ForeignKey(
        Tweet, on_delete=models.CASCADE, related_name="media", null=True, blank=True, db_index=False
    )
    direct_message = models.ForeignKey(
        DirectMessage, on_delete=models.CASCADE, related_name="media", null=True, blank=True, db_index=False
    )
    is_evidence = models.BooleanField(default=True)
    raw = models.JSONField(default=dict, blank=True)
    # The archived copy (crm_twitter.services.media_archive): X's URLs die with the tweet, the
    # customer's account or the DM conversation; the desk's copy and its hash are the evidence.
    archive_status = models.CharField(max_length=10, choices=ArchiveStatus.choices, default=ArchiveStatus.PENDING)
    archive_file = models.FileField(max_length=300, blank=True)
    archive_source_url = models.URLField(max_length=1000, blank=True, help_text=_("The URL the copy was fetched from."))
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    archive_attempts = models.PositiveSmallIntegerField(default=0)
    archive_next_attempt_at = models.DateTimeField(null=True, blank=True)
    archive_error_code = models.CharField(max_length=32, blank=True)
    archive_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = _("media")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["media_key"], name="crm_tw_media_key_unique")]
        indexes = [  # a medium belongs to a tweet or to a DM: each index holds only its own rows
            models.Index(fields=["tweet"], name="crm_tw_media_tweet", condition=models.Q(tweet__isnull=False)),
            models.Index(
                fields=["direct_message"], name="crm_tw_media_dm", condition=models.Q(direct_message__isnull=False)
            ),
            # The archive's queue: only rows still waiting for a (first or next) fetch.
            models.Index(
                fields=["archive_next_attempt_at"],
                name="crm_tw_media_archive_due",
                condition=models.Q(archive_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.media_key}"

    @property
    def is_archived(self) -> bool:
        return self.archive_status == ArchiveStatus.ARCHIVED and bool(self.archive_file)

    @property
    def archived_url(self) -> str:
        """The desk's own copy (served to those who may see the case), or "" before it exists."""
        if not self.is_archived:
            return ""
        from django.urls import reverse

        return reverse("crm_twitter_evidence:media", args=[self.pk])

    @property
    def display_url(self) -> str:
        """What the inbox links to: the archived copy once there, X's URL until then."""
        return self.archived_url or self.url or self.preview_image_url

    @property
    def thumbnail_url(self) -> str:
        if self.is_archived and self.type == self.Type.PHOTO:
            return self.archived_url
        return self.preview_image_url or self.url
