"""The case: one after-sales dispute, its audit trail and the promises made in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_twitter.models.choices import Priority
from crm_twitter.models.watch import WatchedManager, links_watch


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_DM = "in_dm", _("In DM")
    PENDING_MERCHANT = "pending_merchant", _("Pending merchant")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    NOT_ACTIONABLE = "not_actionable", _("Not actionable")


OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ACKNOWLEDGED,
    CaseStatus.IN_DM,
    CaseStatus.PENDING_MERCHANT,
    CaseStatus.AWAITING_CUSTOMER,
)


class Outcome(models.TextChoices):
    REFUND = "refund", _("Refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    REPLACEMENT = "replacement", _("Replacement")
    RESHIP = "reship", _("Reship")
    RETURN_ACCEPTED = "return_accepted", _("Return accepted")
    INFORMATION_ONLY = "information_only", _("Information only")
    DECLINED = "declined", _("Declined")


class Remedy(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    RESHIP = "reship", _("Reship")
    RETURN = "return", _("Return / exchange")
    INFORMATION = "information", _("Information / tracking")
    COMPENSATION = "compensation", _("Compensation")


class Case(models.Model):
    # Indexes are paid on every write, and the sync writes cases in bulk: a foreign key whose
    # column leads one of Meta.indexes gets no index of its own (db_index=False), mostly-empty
    # ones get a partial index, and unique text columns use a UniqueConstraint, which on
    # PostgreSQL does not add the LIKE-pattern index that ``unique=True`` does.
    reference = models.CharField(max_length=32, null=True, blank=True)
    customer = models.ForeignKey("crm_twitter.Customer", on_delete=models.PROTECT, related_name="cases", db_index=False)
    customer_x_user = models.ForeignKey(
        "crm_twitter.XUser",
        on_delete=models.SET_NULL,
        related_name="cases",
        null=True,
        blank=True,
        help_text=_("The X user who raised the case."),
    )
    brand_account = models.ForeignKey(
        "crm_twitter.BrandAccount", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    priority_score = models.IntegerField(default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="crm_cases",
        null=True,
        blank=True,
        db_index=False,
    )
    team = models.ForeignKey(
        "crm_twitter.Team", on_delete=models.SET_NULL, related_name="cases", null=True, blank=True, db_index=False
    )
    language = models.CharField(max_length=16, blank=True)
    category = models.ForeignKey(
        "crm_twitter.ComplaintCategory",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        db_index=False,
    )
    category_confirmed = models.BooleanField(default=False)
    suggested_category = models.ForeignKey(
        "crm_twitter.ComplaintCategory", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    # How sure the model was (0–1), and which model version: shown beside the suggestion and in reports.
    suggested_confidence = models.FloatField(null=True, blank=True)
    suggestion_model = models.CharField(max_length=40, blank=True)
    # Kinds of risk signal seen in the customer's messages, comma-separated and sorted
    # ("chargeback,legal"): a plain column every database can count by kind (no JSON operators).
    risk_kinds = models.CharField(max_length=120, blank=True, default="")
    requested_remedy = models.CharField(max_length=16, choices=Remedy.choices, blank=True, default="")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    refund_currency = models.CharField(max_length=3, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalation_reason = models.CharField(max_length=300, blank=True)
    orders = models.ManyToManyField("crm_twitter.Order", related_name="cases", blank=True)
    conversation_ids = models.JSONField(
        default=list, blank=True, help_text=_("X conversation ids that belong to this case.")
    )

    # SLA: due times are recomputed on every event; sla_due_at is the earliest of them.
    sla_first_response_due = models.DateTimeField(null=True, blank=True)
    sla_next_response_due = models.DateTimeField(null=True, blank=True)
    sla_resolution_due = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False, help_text=_("SLA breached or a promise missed."))

    # Milestones.
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    moved_to_dm_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Signals that raise priority or escalate.
    reach = models.PositiveIntegerField(default=0, help_text=_("Followers of the customer's X account."))
    contact_count = models.PositiveIntegerField(default=0)
    public_nudge_count = models.PositiveIntegerField(default=0)
    has_risk_words = models.BooleanField(default=False, help_text=_("Chargeback, lawyer, regulator…"))
    has_private_data_in_public = models.BooleanField(default=False)

    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    satisfaction_comment = models.TextField(blank=True)
    satisfaction_requested_at = models.DateTimeField(null=True, blank=True)

    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="merged_cases", null=True, blank=True, db_index=False
    )
    reopened_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="follow_up_cases", null=True, blank=True, db_index=False
    )
    # Bumped on every change; forms carry it so a stale form is refused, not applied.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WatchedManager()  # update() tells the report rollups (crm_twitter.models.watch)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="crm_tw_case_reference_unique"),
            models.CheckConstraint(condition=models.Q(escalation_level__lte=3), name="crm_twitter_case_escalation_0_3"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="crm_twitter_case_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True) | models.Q(refund_amount__gte=0),
                name="crm_twitter_case_refund_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="crm_tw_case_status_due"),
            models.Index(fields=["assignee", "status", "sla_due_at"], name="crm_tw_case_assignee"),
            models.Index(fields=["team", "status", "sla_due_at"], name="crm_tw_case_team"),
            models.Index(fields=["escalation_level", "status"], name="crm_tw_case_escalation"),
            models.Index(fields=["is_overdue", "status"], name="crm_tw_case_overdue"),
            models.Index(fields=["category", "status"], name="crm_tw_case_category"),
            models.Index(fields=["brand_account", "status"], name="crm_tw_case_account"),
            models.Index(fields=["language", "status"], name="crm_tw_case_language"),
            models.Index(fields=["customer", "status"], name="crm_tw_case_customer"),
            models.Index(fields=["opened_at"], name="crm_tw_case_opened"),
            models.Index(fields=["resolved_at"], name="crm_tw_case_resolved"),
            models.Index(fields=["reach"], name="crm_tw_case_reach"),
            # Cases waiting for a category suggestion (cases_suggest_pending): a handful at any time.
            models.Index(
                fields=["id"],
                name="crm_tw_case_suggest_pending",
                condition=models.Q(category_confirmed=False, suggestion_model=""),
            ),
            # Few cases are merged or follow-ups: index only those rows.
            models.Index(
                fields=["merged_into"], name="crm_tw_case_merged_into", condition=models.Q(merged_into__isnull=False)
            ),
            models.Index(
                fields=["reopened_from"],
                name="crm_tw_case_reopened_from",
                condition=models.Q(reopened_from__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Case #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def risk_kind_list(self) -> list[str]:
        return [k for k in (self.risk_kinds or "").split(",") if k]

    @property
    def suggested_confidence_percent(self) -> int | None:
        """The suggestion's confidence as a whole percentage, for people."""
        return None if self.suggested_confidence is None else round(self.suggested_confidence * 100)


links_watch(Case.orders.through)  # its deletes tell the report rollups (crm_twitter.models.watch)


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        ROUTED = "routed", _("Routed to team")
        NOTE = "note", _("Internal note")
        ESCALATED = "escalated", _("Escalated")
        DEESCALATED = "deescalated", _("De-escalated")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        PROMISE_MADE = "promise_made", _("Promise made")
        PROMISE_KEPT = "promise_kept", _("Promise kept")
        PROMISE_MISSED = "promise_missed", _("Promise missed")
        PROMISE_CANCELLED = "promise_cancelled", _("Promise cancelled")
        REPLY_QUEUED = "reply_queued", _("Reply queued")
        REPLY_SENT = "reply_sent", _("Reply sent")
        REPLY_FAILED = "reply_failed", _("Reply failed")
        MESSAGE_RECEIVED = "message_received", _("Message received")
        PUBLIC_NUDGE = "public_nudge", _("Public nudge")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        CATEGORY_SET = "category_set", _("Category set")
        ORDER_LINKED = "order_linked", _("Order linked")
        ORDER_UNLINKED = "order_unlinked", _("Order unlinked")
        OUTCOME_RECORDED = "outcome_recorded", _("Outcome recorded")
        MERGED = "merged", _("Merged")
        REOPENED = "reopened", _("Reopened")
        PRIVATE_DATA_FLAGGED = "private_data_flagged", _("Private data posted publicly")
        SATISFACTION = "satisfaction", _("Satisfaction rated")
        UPDATED = "updated", _("Updated")
        EVIDENCE_PACK = "evidence_pack", _("Evidence pack generated")
        INCIDENT_LINKED = "incident_linked", _("Linked to an incident")
        INCIDENT_UNLINKED = "incident_unlinked", _("Unlinked from an incident")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        help_text=_("Empty for the system (sync, rules, sweep)."),
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = WatchedManager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="crm_tw_event_case_time"),
            models.Index(fields=["kind", "created_at"], name="crm_tw_event_kind_time"),
            # Most events are the system's (no actor): index only the agents' ones.
            models.Index(fields=["actor"], name="crm_tw_event_actor", condition=models.Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case_id}"


class Promise(models.Model):
    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        RESHIP = "reship", _("Reship")
        REPLACEMENT = "replacement", _("Replacement")
        CALLBACK = "callback", _("Get back to the customer")
        CARRIER_CLAIM = "carrier_claim", _("Carrier claim / trace")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="promises")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(max_length=300)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = WatchedManager()

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"], name="crm_tw_promise_status_due")]

    def __str__(self) -> str:
        return f"{self.description} by {self.due_at:%Y-%m-%d %H:%M}"
