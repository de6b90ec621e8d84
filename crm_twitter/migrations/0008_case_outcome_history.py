from decimal import Decimal, InvalidOperation

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

from crm_twitter.roles import ROLE_PERMISSIONS

OUTCOMES = {"refund", "partial_refund", "replacement", "reship", "return_accepted", "information_only", "declined"}


def _amount(value):
    if value in (None, "", "null"):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def outcomes_from_history(apps, schema_editor):
    """Every outcome ever recorded, from the audit trail (a reopen used to clear the case's fields,
    but its OUTCOME_RECORDED event stayed); then the case's own fields where no event exists."""
    Case = apps.get_model("crm_twitter", "Case")
    CaseEvent = apps.get_model("crm_twitter", "CaseEvent")
    CaseOutcome = apps.get_model("crm_twitter", "CaseOutcome")
    db = schema_editor.connection.alias
    rows, seen = [], set()
    events = CaseEvent.objects.using(db).filter(kind="outcome_recorded").order_by("created_at", "id")
    for event in events.iterator(chunk_size=2000):
        data = event.data if isinstance(event.data, dict) else {}
        outcome = data.get("outcome")
        if outcome not in OUTCOMES:
            continue
        amount = _amount(data.get("refund_amount"))
        rows.append(
            CaseOutcome(
                case_id=event.case_id,
                outcome=outcome,
                note=str(data.get("note") or ""),
                refund_amount=amount,
                refund_currency=str(data.get("refund_currency") or "")[:3].upper() if amount is not None else "",
                recorded_at=event.created_at,
                recorded_by_id=event.actor_id,
            )
        )
        seen.add(event.case_id)
        if len(rows) >= 2000:
            CaseOutcome.objects.using(db).bulk_create(rows)
            rows = []
    cases = Case.objects.using(db).exclude(outcome="").filter(outcome__in=OUTCOMES)
    for case in cases.iterator(chunk_size=2000):
        if case.pk in seen:
            continue
        rows.append(
            CaseOutcome(
                case_id=case.pk,
                outcome=case.outcome,
                note=case.outcome_note,
                refund_amount=case.refund_amount,
                refund_currency=case.refund_currency if case.refund_amount is not None else "",
                recorded_at=case.resolved_at or case.closed_at or case.updated_at,
            )
        )
    CaseOutcome.objects.using(db).bulk_create(rows)
    # The case keeps its latest recorded outcome (a reopen no longer clears it): restore it on
    # cases a reopen had cleared.
    cleared = Case.objects.using(db).filter(outcome="", pk__in=CaseOutcome.objects.using(db).values("case_id"))
    for case in cleared.iterator(chunk_size=2000):
        latest = CaseOutcome.objects.using(db).filter(case_id=case.pk).order_by("-recorded_at", "-id").first()
        Case.objects.using(db).filter(pk=case.pk).update(
            outcome=latest.outcome,
            outcome_note=latest.note,
            refund_amount=latest.refund_amount,
            refund_currency=latest.refund_currency,
        )


def groups_see_outcomes(apps, schema_editor):
    """The role groups that may see cases get ``view_caseoutcome`` (crm_twitter.roles), and
    nothing else is touched. Permissions are normally created after all migrations, so create
    them first (as 0002_seed does)."""
    app_config = apps.get_app_config("crm_twitter")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.filter(content_type__app_label="crm_twitter", codename="view_caseoutcome").first()
    if perm is None:
        return
    for role, codenames in ROLE_PERMISSIONS.items():
        if "view_caseoutcome" in codenames:
            group, _ = Group.objects.get_or_create(name=role.value)
            group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0007_classifier"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseOutcome",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("refund", "Refund"),
                            ("partial_refund", "Partial refund"),
                            ("replacement", "Replacement"),
                            ("reship", "Reship"),
                            ("return_accepted", "Return accepted"),
                            ("information_only", "Information only"),
                            ("declined", "Declined"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                ("refund_amount", models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                ("refund_currency", models.CharField(blank=True, max_length=3)),
                ("recorded_at", models.DateTimeField()),
                (
                    "case",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outcome_records",
                        to="crm_twitter.case",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Empty when the system recorded it.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "recorded outcome",
                "ordering": ["recorded_at", "id"],
                "indexes": [
                    models.Index(fields=["case", "recorded_at"], name="crm_tw_outcome_case_time"),
                    models.Index(fields=["recorded_at"], name="crm_tw_outcome_time"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("refund_amount__isnull", True), ("refund_amount__gte", 0), _connector="OR"),
                        name="crm_tw_outcome_refund_gte_0",
                    )
                ],
            },
        ),
        migrations.RunPython(outcomes_from_history, migrations.RunPython.noop),
        migrations.RunPython(groups_see_outcomes, migrations.RunPython.noop),
    ]
