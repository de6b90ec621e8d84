"""Forms of the incident pages. Every form that acts on an incident carries the incident version it
was drawn from (the services refuse a stale one and say what changed)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_twitter.form_fields import AsciiIdField
from crm_twitter.inbox.forms import REFUND_OUTCOMES, InboxForm
from crm_twitter.models import Incident, Outcome

REPLY_CHANNELS = [("public", _("Public reply")), ("dm", _("Direct message"))]


class IncidentFilterForm(InboxForm):
    """The incident list's query string; the account list comes from the view."""

    status = forms.ChoiceField(required=False, label=_("Status"))
    brand_account = forms.ChoiceField(required=False, label=_("Brand account"))

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Incident.Status.choices]
        self.fields["brand_account"].choices = [
            ("", _("Any account")),
            *[(str(a.pk), f"@{a.handle}") for a in accounts],
        ]


class IncidentVersionedForm(InboxForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusUpdateForm(IncidentVersionedForm):
    text = forms.CharField(max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Status update"))
    confirm = forms.BooleanField(
        label=_("I have read the text: post it publicly from the brand account."),
        error_messages={"required": _("Tick the box to confirm the public post.")},
    )


class ReplyPlanForm(InboxForm):
    """The reply-to-all choice, before the plan is shown (a GET form: nothing is sent yet)."""

    reply_channel = forms.ChoiceField(choices=REPLY_CHANNELS, initial="dm", label=_("Send as"))
    reply_template = AsciiIdField(required=False, label=_("Template"))


class ReplyAllForm(IncidentVersionedForm):
    channel = forms.ChoiceField(choices=REPLY_CHANNELS)
    template = AsciiIdField(required=False)
    confirmed_total_cost = forms.DecimalField(min_value=Decimal("0"), max_digits=12, decimal_places=4)


class ResolveAllForm(IncidentVersionedForm):
    outcome = forms.ChoiceField(choices=Outcome.choices, label=_("Outcome"))
    refund_amount = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2, label=_("Refund amount")
    )
    refund_currency = forms.CharField(required=False, max_length=3, label=_("Currency"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Resolution note"))

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


class MergeForm(InboxForm):
    into = AsciiIdField(label=_("Merge into"))


class UnlinkForm(InboxForm):
    case = AsciiIdField()


class CloseForm(IncidentVersionedForm):
    root_cause = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Root cause"))
