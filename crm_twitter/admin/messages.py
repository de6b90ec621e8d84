"""Admin for tweets, DMs and their media: what X sent, read-only, escaped on output."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.display import external_link, pretty_json, preview
from crm_twitter.admin.visibility import CaseVisibilityMixin
from crm_twitter.models import DirectMessage, Media, Tweet


class MediaInline(admin.TabularInline):
    model = Media
    extra = 0
    can_delete = False
    fields = ["media_key", "type", "media_link", "alt_text", "is_evidence"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("File"))
    def media_link(self, obj: Media):
        return external_link(obj.url or obj.preview_image_url, _("open"))


class MessageAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    """Messages are X's record: nothing here edits them (routing to cases is a service's job)."""

    date_hierarchy = "created_at"
    inlines = [MediaInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("Text"))
    def text_preview(self, obj) -> str:
        return preview(obj.text)

    @admin.display(description=_("Text"))
    def text_full(self, obj):
        return format_html('<div style="white-space: pre-wrap; max-width: 60em">{}</div>', obj.text)

    @admin.display(description=_("Raw payload"))
    def raw_pretty(self, obj):
        return pretty_json(obj.raw)


@admin.register(Tweet)
class TweetAdmin(MessageAdmin):
    list_display = [
        "x_id",
        "author",
        "brand_account",
        "direction",
        "kind",
        "text_preview",
        "case",
        "engagement",
        "contains_private_data",
        "created_at",
    ]
    list_filter = ["direction", "party", "kind", "brand_account", "contains_private_data", "sent_via_desk", "lang"]
    search_fields = ["text", "=x_id", "=conversation_id", "author__handle", "case__reference"]
    list_select_related = ["author", "brand_account", "case"]
    fields = [
        "x_id",
        "link",
        "brand_account",
        "author",
        "case",
        "direction",
        "party",
        "kind",
        "text_full",
        "lang",
        "conversation_id",
        "in_reply_to_tweet_id",
        "in_reply_to_user_id",
        "quoted_tweet_id",
        "mentioned_user_ids",
        "public_metrics",
        "engagement",
        "contains_private_data",
        "is_deleted",
        "sent_via_desk",
        "sent_by",
        "created_at",
        "ingested_at",
        "raw_pretty",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tweet]:
        return super().get_queryset(request).select_related("author", "brand_account", "case", "sent_by")

    @admin.display(description=_("On X"))
    def link(self, obj: Tweet):
        return external_link(obj.url, obj.x_id)


@admin.register(DirectMessage)
class DirectMessageAdmin(MessageAdmin):
    list_display = [
        "x_event_id",
        "sender",
        "recipient",
        "brand_account",
        "direction",
        "text_preview",
        "case",
        "created_at",
    ]
    list_filter = ["direction", "brand_account", "sent_via_desk", "event_type"]
    search_fields = ["text", "=x_event_id", "=dm_conversation_id", "sender__handle", "case__reference"]
    list_select_related = ["sender", "recipient", "brand_account", "case"]
    fields = [
        "x_event_id",
        "dm_conversation_id",
        "brand_account",
        "sender",
        "recipient",
        "case",
        "direction",
        "event_type",
        "text_full",
        "sent_via_desk",
        "sent_by",
        "created_at",
        "ingested_at",
        "raw_pretty",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DirectMessage]:
        return super().get_queryset(request).select_related("sender", "recipient", "brand_account", "case", "sent_by")


@admin.register(Media)
class MediaAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    case_lookups = ("tweet__case", "direct_message__case")
    list_display = ["media_key", "type", "thumbnail", "is_evidence", "archive_status", "tweet", "direct_message"]
    list_filter = ["type", "is_evidence", "archive_status", "archive_error_code"]
    search_fields = ["=media_key", "alt_text", "tweet__x_id", "direct_message__x_event_id"]
    list_select_related = ["tweet", "direct_message"]
    # Only the evidence flag and the description are the desk's to edit.
    fields = [
        "media_key",
        "type",
        "thumbnail",
        "url",
        "preview_image_url",
        "width",
        "height",
        "alt_text",
        "is_evidence",
        "tweet",
        "direct_message",
        # The archived copy (crm_twitter.services.media_archive).
        "archive_status",
        "archive_file",
        "archive_source_url",
        "sha256",
        "size",
        "content_type",
        "fetched_at",
        "archive_attempts",
        "archive_next_attempt_at",
        "archive_error_code",
        "archive_error",
        "raw_pretty",
    ]
    readonly_fields = [f for f in fields if f not in {"is_evidence", "alt_text"}]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("Preview"))
    def thumbnail(self, obj: Media):
        url = obj.thumbnail_url
        # "/…": the desk's archived copy (never "//host", a URL on another site).
        if not url or url.startswith("//") or not url.lower().startswith(("https://", "http://", "/")):
            return "—"
        return format_html('<img src="{}" alt="" style="max-height: 60px; max-width: 120px" loading="lazy">', url)

    @admin.display(description=_("Raw payload"))
    def raw_pretty(self, obj: Media):
        return pretty_json(obj.raw)
