"""Tell people what needs them now: in-app Notification rows plus an e-mail through Django's backend.

Who is told: the case's assignee and the supervisors of the case's team (TeamMembership role
"supervisor"; the team's ``supervisors_email`` address also gets the e-mail). E-mails go out
only after the transaction commits, so a rolled-back change never mails anyone, and a broken
mail server never breaks the change that triggered the mail.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import Case, Notification, TeamMembership

logger = logging.getLogger(__name__)

User = get_user_model()


@dataclass(frozen=True)
class NotificationSpec:
    """One notification to one user (the unit bulk callers build)."""

    user_id: int
    case_id: int | None
    kind: str
    message: str


def case_watchers_ids(case: Case, *, supervisors_by_team: dict[int, list[int]] | None = None) -> list[int]:
    """Assignee first, then the team's supervisors; no duplicates."""
    ids: list[int] = []
    if case.assignee_id:
        ids.append(case.assignee_id)
    if case.team_id:
        if supervisors_by_team is None:
            supervisors = list(
                TeamMembership.objects.filter(team_id=case.team_id, role=TeamMembership.Role.SUPERVISOR).values_list(
                    "user_id", flat=True
                )
            )
        else:
            supervisors = supervisors_by_team.get(case.team_id, [])
        ids.extend(uid for uid in supervisors if uid not in ids)
    return ids


def notification_send(
    *, users: Iterable, case: Case | None, kind: str, message: str, exclude_user_id: int | None = None
) -> list[Notification]:
    """Notify ``users`` (User instances or ids) about ``case``; e-mail them (and the team's
    supervisors address) after commit."""
    user_ids: list[int] = []
    for user in users:
        uid = getattr(user, "pk", user)
        if uid and uid != exclude_user_id and uid not in user_ids:
            user_ids.append(uid)
    case_id = case.pk if case is not None else None
    specs = [NotificationSpec(user_id=uid, case_id=case_id, kind=kind, message=message) for uid in user_ids]
    team_address = case.team.supervisors_email if case is not None and case.team_id else ""
    return notifications_send_many(specs=specs, extra_mail={team_address: [message]} if team_address else None)


def notifications_send_many(
    *, specs: Sequence[NotificationSpec], extra_mail: dict[str, list[str]] | None = None
) -> list[Notification]:
    """Bulk-create notifications (one query); after commit, one e-mail per recipient listing their
    messages, plus one per ``extra_mail`` address (e.g. a team's supervisors list)."""
    if kind_invalid := {s.kind for s in specs} - set(Notification.Kind.values):
        raise ValueError(f"unknown notification kind(s): {sorted(kind_invalid)}")
    rows = [Notification(user_id=s.user_id, case_id=s.case_id, kind=s.kind, message=s.message[:500]) for s in specs]
    if rows:
        Notification.objects.bulk_create(rows)
    if app_settings.NOTIFY_BY_EMAIL and (rows or extra_mail):
        messages_by_user: dict[int, list[str]] = defaultdict(list)
        for s in specs:
            messages_by_user[s.user_id].append(s.message)
        extra = dict(extra_mail or {})
        transaction.on_commit(lambda: _mail_send(messages_by_user, extra))
    return rows


def mail_digest_send(*, messages_by_user: dict[int, list[str]], extra: dict[str, list[str]] | None = None) -> int:
    """Send one e-mail per recipient listing their messages (one user query, one SMTP connection)."""
    if not app_settings.NOTIFY_BY_EMAIL:
        return 0
    return _mail_send(messages_by_user, extra or {})


def _mailer():
    """The default mail backend: ``mailers.default`` on Django ≥ 6.1 (``get_connection`` is
    deprecated there), ``get_connection()`` on 5.2 — both honour the project's configuration."""
    mailers = getattr(mail, "mailers", None)
    return mailers.default if mailers is not None else mail.get_connection(fail_silently=False)


def _mail_send(messages_by_user: dict[int, list[str]], extra: dict[str, list[str]]) -> int:
    try:
        emails = dict(
            User.objects.filter(pk__in=list(messages_by_user), is_active=True)
            .exclude(email="")
            .values_list("pk", "email")
        )
        by_address: dict[str, list[str]] = defaultdict(list)
        for uid, msgs in messages_by_user.items():
            if uid in emails:
                by_address[emails[uid]].extend(msgs)
        for addr, msgs in extra.items():
            if msgs:
                by_address[addr].extend(m for m in msgs if m not in by_address[addr])
        mails = []
        for addr, msgs in by_address.items():
            subject = msgs[0] if len(msgs) == 1 else f"{len(msgs)} cases need your attention"
            mails.append(EmailMessage(subject=f"[crm] {subject}"[:200], body="\n".join(msgs), to=[addr]))
        if not mails:
            return 0
        return _mailer().send_messages(mails) or 0
    except Exception:  # a mail outage must never break the desk
        logger.exception("crm_twitter: notification e-mail failed")
        return 0


def notifications_unread(user) -> QuerySet[Notification]:
    """The user's unread notifications, newest first, with their case for the list row."""
    return (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("case")
        .order_by("-created_at", "-id")
    )


def notifications_mark_read(*, user, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
