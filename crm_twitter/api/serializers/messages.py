"""Tweets, DMs and their media (read-only: messages come from X, not from the API)."""

from __future__ import annotations

from rest_framework import serializers

from crm_twitter.models import DirectMessage, Media, Tweet

from .people import XUserBriefSerializer


class MediaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Media
        fields = ["id", "media_key", "type", "url", "preview_image_url", "width", "height", "alt_text", "is_evidence"]
        read_only_fields = fields


class TweetSerializer(serializers.ModelSerializer):
    author = XUserBriefSerializer(read_only=True)
    media = MediaSerializer(many=True, read_only=True)
    url = serializers.CharField(read_only=True)

    class Meta:
        model = Tweet
        fields = [
            "id",
            "x_id",
            "url",
            "brand_account",
            "author",
            "case",
            "direction",
            "party",
            "kind",
            "text",
            "lang",
            "conversation_id",
            "in_reply_to_tweet_id",
            "in_reply_to_user_id",
            "quoted_tweet_id",
            "public_metrics",
            "engagement",
            "contains_private_data",
            "is_deleted",
            "created_at",
            "ingested_at",
            "sent_via_desk",
            "sent_by",
            "media",
        ]
        read_only_fields = fields


class DirectMessageSerializer(serializers.ModelSerializer):
    sender = XUserBriefSerializer(read_only=True)
    recipient = XUserBriefSerializer(read_only=True)
    media = MediaSerializer(many=True, read_only=True)

    class Meta:
        model = DirectMessage
        fields = [
            "id",
            "x_event_id",
            "dm_conversation_id",
            "brand_account",
            "sender",
            "recipient",
            "case",
            "direction",
            "event_type",
            "text",
            "created_at",
            "ingested_at",
            "sent_via_desk",
            "sent_by",
            "media",
        ]
        read_only_fields = fields
