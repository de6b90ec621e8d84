"""Forms of the inbox. Every form that changes a case carries the case version it was drawn from."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_twitter.form_fields import AsciiIdField
from crm_twitter.models import CaseStatus, ComplaintCategory, Outcome, Promise
from crm_twitter.selectors.queues import QUEUES

ESCALATION_CHOICES = [("", _("Any level")), ("1", _("Level 1+")), ("2", _("Level 2+")), ("3", _("Level 3"))]
REACH_CHOICES = [
    ("", _("Any reach")),
    ("1000", _("1k+ followers")),
    ("10000", _("10k+ followers")),
    ("100000", _("100k+ followers")),
]
REFUND_OUTCOMES = (Outcome.REFUND, Outcome.PARTIAL_REFUND)


class InboxForm(forms.Form):
    """A form of the inbox. Its widgets are drawn by the project's form renderer (Django's widget
    templates), so a host project's overrides of those templates apply here too."""


class QueueFilterForm(InboxForm):
    """The queue page's query string. Choice lists come from the view (already fetched)."""

    queue = forms.ChoiceField(choices=[(q, q) for q in QUEUES], required=False)
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    category = forms.ChoiceField(required=False, label=_("Category"))
    brand_account = forms.ChoiceField(required=False, label=_("Brand account"))
    language = forms.ChoiceField(required=False, label=_("Language"))
    team = forms.ChoiceField(required=False, label=_("Team"))
    assignee = forms.ChoiceField(required=False, label=_("Assignee"))
    escalation = forms.ChoiceField(choices=ESCALATION_CHOICES, required=False, label=_("Escalation"))
    reach_min = forms.ChoiceField(choices=REACH_CHOICES, required=False, label=_("Reach"))
    opened_from = forms.DateField(
        required=False, label=_("Opened from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(required=False, label=_("Opened to"), widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args, categories=(), accounts=(), languages=(), teams=(), assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["status"].choices = [("", _("Any status")), *CaseStatus.choices]
        self.fields["category"].choices = [("", _("Any category")), *[(c.slug, c.label) for c in categories]]
        self.fields["brand_account"].choices = [
            ("", _("Any account")),
            *[(str(a.pk), f"@{a.handle}") for a in accounts],
        ]
        self.fields["language"].choices = [("", _("Any language")), *[(code, code) for code in languages]]
        self.fields["team"].choices = [("", _("Any team")), *[(str(t.pk), t.name) for t in teams]]
        self.fields["assignee"].choices = [
            *any_,
            ("me", _("Me")),
            ("none", _("Nobody")),
            *[(str(u.pk), u.get_full_name() or u.get_username()) for u in assignees],
        ]


class VersionedForm(InboxForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssignForm(VersionedForm):
    # A user id (ASCII digits only: "²" passes isdigit() but not int()); empty = unassign.
    assignee = AsciiIdField(required=False, label=_("Assignee"))


class MoveTeamForm(VersionedForm):
    team = AsciiIdField(label=_("Team"))
    reason = forms.CharField(required=False, max_length=300, label=_("Reason"))


class TransitionForm(VersionedForm):
    to_status = forms.ChoiceField(choices=CaseStatus.choices)
    reason = forms.CharField(required=False, max_length=300)


class ResolveForm(VersionedForm):
    outcome = forms.ChoiceField(choices=Outcome.choices, label=_("Outcome"))
    refund_amount = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2, label=_("Refund amount")
    )
    refund_currency = forms.CharField(required=False, max_length=3, label=_("Currency"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Resolution note"))
    # Asked (and required by the view) while no agent has confirmed the category: the monthly
    # report counts confirmed categories, and the choice teaches the classifier.
    category = forms.ModelChoiceField(
        queryset=ComplaintCategory.objects.filter(is_active=True),
        required=False,
        label=_("Complaint category"),
        empty_label=_("Choose the category…"),
    )
    # The case's open promises the agent ticks as kept in the same step (the page lists them; the
    # view keeps each through the promises service, so a promise of another case is never touched).
    keep_promises = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Promises kept"))

    def __init__(self, *args, open_promises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep_promises"].choices = [(p.pk, p.description) for p in open_promises]

    def clean(self):
        data = super().clean()
        if data.get("outcome") in REFUND_OUTCOMES:
            if data.get("refund_amount") in (None, ""):
                self.add_error("refund_amount", _("A refund needs an amount."))
            currency = (data.get("refund_currency") or "").strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                self.add_error("refund_currency", _("Use a three-letter currency code, e.g. EUR."))
            data["refund_currency"] = currency
        return data


class EscalateForm(VersionedForm):
    reason = forms.CharField(max_length=300, label=_("Reason"))
    level = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Level"),
        choices=[("", _("One level up")), ("1", "1"), ("2", "2"), ("3", "3")],
    )


class NoteForm(InboxForm):
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Internal note"))


class CategoryForm(VersionedForm):
    category = forms.ModelChoiceField(queryset=ComplaintCategory.objects.filter(is_active=True), label=_("Category"))


class OrderForm(VersionedForm):
    order = forms.IntegerField(min_value=1)


class PromiseForm(VersionedForm):
    kind = forms.ChoiceField(choices=Promise.Kind.choices, label=_("What"))
    description = forms.CharField(max_length=300, label=_("Description"))
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at <= timezone.now():
            raise forms.ValidationError(_("A promise needs a deadline in the future."))
        return due_at


class PromiseKeepForm(VersionedForm):
    promise = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=500)


class ComposeForm(VersionedForm):
    CHANNELS = [("public", _("Public reply")), ("dm", _("Direct message"))]
    channel = forms.ChoiceField(choices=CHANNELS, widget=forms.RadioSelect, initial="public")
    text = forms.CharField(max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Message"))
    template = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RetryForm(VersionedForm):
    message = forms.IntegerField(min_value=1)
