"""Stored monthly report snapshots: metadata in lists, the data on a detail, files as downloads."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from crm_twitter.models import ReportSnapshot

FORMATS = ("html", "csv", "xlsx")


class ReportSnapshotSerializer(serializers.ModelSerializer):
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = ReportSnapshot
        fields = ["id", "month", "generated_at", "generated_by", "is_current", "scheduled", "emailed_at", "downloads"]
        read_only_fields = fields

    def get_downloads(self, obj) -> dict[str, str]:
        request = self.context.get("request")
        return {
            fmt: reverse("crm_twitter_api:report-download", kwargs={"pk": obj.pk, "fmt": fmt}, request=request)
            for fmt in FORMATS
        }


class ReportSnapshotDetailSerializer(ReportSnapshotSerializer):
    class Meta(ReportSnapshotSerializer.Meta):
        fields = [*ReportSnapshotSerializer.Meta.fields, "data"]
        read_only_fields = fields
