"""What the desk learns from its agents: labels, and the category models trained from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryModel(models.Model):
    """One trained category classifier, with the figures it was judged by.

    A version is promoted (``ACTIVE``) only when it scores at least as well as the model in force
    on the held-apart data; an admin can activate an older version to roll back. With no active
    version the desk uses the model shipped inside the app.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected (scored worse)")

    number = models.PositiveIntegerField(unique=True)
    backend = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices)
    artifact = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    trained_at = models.DateTimeField()
    training_seconds = models.FloatField(default=0)
    examples = models.PositiveIntegerField(help_text=_("Training examples: the shipped corpus plus desk labels."))
    desk_labels = models.PositiveIntegerField(help_text=_("Of which labels given by agents."))
    labels_through = models.PositiveBigIntegerField(
        default=0, help_text=_("Last desk label id the model was trained with: newer labels count towards the next.")
    )
    evaluation = models.JSONField(default=dict, blank=True)
    baseline = models.JSONField(
        default=dict, blank=True, help_text=_("The model in force, scored on the same held-apart data.")
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="crm_tw_catmodel_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.version

    @property
    def version(self) -> str:
        return f"desk-{self.number}"


class CategoryLabel(models.Model):
    """A category an agent confirmed or chose for a case: one training example per case."""

    case = models.OneToOneField("crm_twitter.Case", on_delete=models.CASCADE, related_name="category_label")
    category = models.ForeignKey("crm_twitter.ComplaintCategory", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(help_text=_("What the customer wrote, as the classifier reads it."))
    language = models.CharField(max_length=16, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agreed_with_suggestion = models.BooleanField(default=False)
    holdout = models.BooleanField(default=False, help_text=_("Held apart to judge new models; never trained on."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["holdout", "id"], name="crm_tw_catlabel_holdout")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.category_id}"
