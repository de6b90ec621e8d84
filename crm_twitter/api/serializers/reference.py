"""Lookup tables: complaint categories, reply templates, teams, and the brand's X accounts."""

from __future__ import annotations

from rest_framework import serializers

from crm_twitter.models import BrandAccount, ComplaintCategory, ReplyTemplate, Team, TeamMembership


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintCategory
        fields = ["id", "slug", "name", "description", "keywords", "is_active", "sort_order"]
        read_only_fields = fields


class ReplyTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReplyTemplate
        fields = ["id", "step", "language", "channel", "name", "body", "is_active", "updated_at"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["user_id", "username", "role", "is_available", "max_open_cases"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "languages", "time_zone", "working_hours", "is_fallback", "members"]
        read_only_fields = fields


class BrandAccountSerializer(serializers.ModelSerializer):
    """Never any credential: only whether credentials are set."""

    has_credentials = serializers.BooleanField(read_only=True)

    class Meta:
        model = BrandAccount
        fields = [
            "id",
            "handle",
            "x_user_id",
            "display_name",
            "role",
            "region",
            "default_language",
            "is_active",
            "has_credentials",
            "sync_health",
            "sync_message",
            "last_synced_at",
            "next_sync_at",
            "monthly_budget",
        ]
        read_only_fields = fields
