"""Tell people what needs them now: in-app Notification rows plus an e-mail through Django's backend.

One writer: ``notifications_send_many``. Every path that notifies goes through it — a single
change (``notification_send``: routing, escalation, the send queue), the batch ingest (its
``_Batch`` collects specs per page), the every-minute SLA sweep (it selects the breached cases
in SQL and hands the specs over in one call) and X sync's alerts — so each writes the same rows
and sends the same e-mails.

Who is told about a case: its assignee and the active supervisors of its team
(``notification_recipients``, the one rule); the team's ``supervisors_email`` address also gets
the e-mail. E-mail goes out when ``NOTIFY_BY_EMAIL`` is on (the default), to each recipient's
address if they are active and have one, one digest per recipient and call; only after the
transaction commits, so a rolled-back change never mails anyone, and a broken mail server never
breaks the change that triggered the mail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import ngettext

from crm_twitter.conf import app_settings
from crm_twitter.db.bulk import values_insert
from crm_twitter.models import Case, Notification, TeamMembership
from crm_twitter.services.notification_text import notification_line
from crm_twitter.services.preferences import address_languages

logger = logging.getLogger(__name__)

User = get_user_model()

_COLUMNS = ("user_id", "case_id", "incident_id", "kind", "message", "created_at")
MESSAGE_MAX = 500  # Notification.message


@dataclass(frozen=True)
class NotificationSpec:
    """One notification to one user (the unit bulk callers build)."""

    user_id: int
    case_id: int | None
    kind: str
    message: str
    incident_id: int | None = None  # an incident alert links to the incident page, not one case


def notification_recipients(
    *, assignee_id: int | None, team_id: int | None, supervisors_by_team: Mapping[int, Sequence[int]]
) -> list[int]:
    """Who is told about a case: the assignee first, then the team's supervisors; no duplicates.

    The one rule every notifying path applies (the single change, the batch ingest, the SLA
    sweep), so a breach found by the sweep reaches the same people as one found by hand.
    """
    supervisors = supervisors_by_team.get(team_id, ()) if team_id else ()
    if not assignee_id:
        return list(dict.fromkeys(supervisors))
    return [assignee_id, *dict.fromkeys(uid for uid in supervisors if uid != assignee_id)]


def team_supervisors(*, team_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """The active supervisors of each team (of ``team_ids``, or every team): one query.

    Deactivated people are left out: they can neither read a notification nor act on it.
    """
    qs = TeamMembership.objects.filter(role=TeamMembership.Role.SUPERVISOR, user__is_active=True)
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    out: dict[int, list[int]] = {}
    for team_id, user_id in qs.order_by("team_id", "user_id").values_list("team_id", "user_id"):
        out.setdefault(team_id, []).append(user_id)
    return out


def case_watchers_ids(case: Case, *, supervisors_by_team: Mapping[int, Sequence[int]] | None = None) -> list[int]:
    """``notification_recipients`` for one case (reads its team's supervisors unless given)."""
    if supervisors_by_team is None:
        supervisors_by_team = team_supervisors(team_ids=[case.team_id]) if case.team_id else {}
    return notification_recipients(
        assignee_id=case.assignee_id, team_id=case.team_id, supervisors_by_team=supervisors_by_team
    )


def notification_send(
    *, users: Iterable, case: Case | None, kind: str, message: str, exclude_user_id: int | None = None
) -> int:
    """Notify ``users`` (User instances or ids) about ``case``; e-mail them (and the team's
    supervisors address) after commit. Returns how many notifications were written."""
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
    *,
    specs: Sequence[NotificationSpec],
    extra_mail: Mapping[str, Sequence[str]] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Write every notification in one statement; after commit, one e-mail per recipient listing
    their messages, plus one per ``extra_mail`` address (a team's supervisors list).

    The only writer of Notification rows. ``at`` stamps the rows (default: now): the SLA sweep
    passes its own instant so its notifications line up with the events it wrote. Returns how
    many notifications were written.
    """
    if kind_invalid := {s.kind for s in specs} - set(Notification.Kind.values):
        raise ValueError(f"unknown notification kind(s): {sorted(kind_invalid)}")
    stamp = at or timezone.now()
    written = values_insert(
        Notification,
        _COLUMNS,
        [(s.user_id, s.case_id, s.incident_id, s.kind, s.message[:MESSAGE_MAX], stamp) for s in specs],
    )
    if app_settings.NOTIFY_BY_EMAIL and (specs or extra_mail):
        messages_by_user: dict[int, list[str]] = defaultdict(list)
        for s in specs:
            messages_by_user[s.user_id].append(s.message)
        extra = {address: list(messages) for address, messages in (extra_mail or {}).items()}
        transaction.on_commit(lambda: _mail_send(messages_by_user, extra))
    return written


def _mailer():
    """The default mail backend: ``mailers.default`` on Django ≥ 6.1 (``get_connection`` is
    deprecated there), ``get_connection()`` on 5.2 — both honour the project's configuration."""
    mailers = getattr(mail, "mailers", None)
    return mailers.default if mailers is not None else mail.get_connection(fail_silently=False)


def _many_cases(n: int) -> str:
    return ngettext("%(n)s case needs your attention", "%(n)s cases need your attention", n) % {"n": n}


def _mail_send(messages_by_user: dict[int, list[str]], extra: dict[str, list[str]]) -> int:
    """One e-mail per address listing its messages: one user query, one SMTP connection."""
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
        languages = address_languages(by_address)  # each reader's chosen language, else the default
        for addr, msgs in by_address.items():
            with translation.override(languages.get(addr.lower(), settings.LANGUAGE_CODE)):
                lines = [notification_line(m) for m in msgs]
                subject = lines[0] if len(lines) == 1 else _many_cases(len(lines))
            mails.append(EmailMessage(subject=f"[crm] {subject}"[:200], body="\n".join(lines), to=[addr]))
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
