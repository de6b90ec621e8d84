"""What an evidence pack says about a case: the cover summary, the record of messages, the audit trail.

The record is *streamed*: tweets and DMs are read in chunks and merged by time
(``heapq.merge`` over two ordered iterators), so a 2,000-message case never sits in memory as
model instances; the PDF template and ``timeline.json`` consume the same iterator.

Redaction (``redact_third_parties``): a bystander in a public thread (``Tweet.party`` third party)
is neither the customer nor the brand; a pack sent to a payment provider need not name them.
Their handle, name and text are replaced by "Third party N", and their @handle is masked in
everyone else's text; their media are left out of the pack.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from crm_twitter.models import ArchiveStatus, Case, CaseEvent, Direction, DirectMessage, Media, Party, Tweet

CHUNK = 500


@dataclass(frozen=True)
class MediaEntry:
    media_key: str
    type: str
    archived: bool
    storage_name: str
    sha256: str
    size: int | None
    content_type: str
    source_url: str
    alt_text: str
    error: str
    zip_path: str

    @property
    def is_image(self) -> bool:
        return self.archived and self.content_type.startswith("image/")


@dataclass(frozen=True)
class MessageEntry:
    channel: str  # "public" | "dm"
    x_id: str
    created_at: dt.datetime
    author_handle: str
    author_name: str
    author_x_id: str
    role: str  # customer | brand | third_party
    direction: str
    text: str
    permalink: str
    in_reply_to: str
    deleted: bool
    media: tuple[MediaEntry, ...] = ()

    @property
    def heading(self) -> str:
        """One line for the PDF (one text run is far cheaper to lay out than a dozen)."""
        channel = _("Direct message") if self.channel == "dm" else _("Public post")
        author = f"@{self.author_handle}" if self.author_x_id else self.author_handle
        if self.author_x_id and self.author_name and self.author_name != self.author_handle:
            author += f" ({self.author_name})"
        role = {"brand": _("brand"), "customer": _("customer")}.get(self.role, _("third party"))
        parts = [self.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), channel, author, role]
        if self.deleted:
            parts.append(_("deleted on X"))
        return " · ".join(parts)

    @property
    def reference_line(self) -> str:
        parts = [_("X id %(id)s") % {"id": self.x_id}]
        if self.in_reply_to:
            parts.append(_("in reply to %(id)s") % {"id": self.in_reply_to})
        if self.permalink:
            parts.append(self.permalink)
        return " · ".join(parts)

    def as_json(self) -> dict:
        return {
            "channel": self.channel,
            "x_id": self.x_id,
            "time": _iso(self.created_at),
            "author": {"handle": self.author_handle, "name": self.author_name, "x_id": self.author_x_id},
            "role": self.role,
            "direction": self.direction,
            "text": self.text,
            "permalink": self.permalink,
            "in_reply_to": self.in_reply_to,
            "deleted_on_x": self.deleted,
            "media": [
                {
                    "media_key": m.media_key,
                    "type": m.type,
                    "archived": m.archived,
                    "sha256": m.sha256 or None,
                    "bytes": m.size,
                    "content_type": m.content_type or None,
                    "file": m.zip_path or None,
                    "source_url": m.source_url or None,
                    "not_archived_reason": m.error or None,
                }
                for m in self.media
            ],
        }


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Redactor:
    """Names third parties "Third party N" (in order of first appearance) and masks their handles."""

    enabled: bool
    handles: dict[str, str] = field(default_factory=dict)  # lower-case handle → label
    _pattern: re.Pattern | None = None

    @classmethod
    def for_case(cls, case: Case, *, enabled: bool) -> Redactor:
        redactor = cls(enabled=enabled)
        if enabled:
            rows = (
                Tweet.objects.filter(case=case, party=Party.THIRD_PARTY)
                .order_by("created_at", "id")
                .values_list("author__handle", flat=True)
            )
            for handle in rows.iterator(chunk_size=CHUNK):
                key = (handle or "").lower()
                if key and key not in redactor.handles:
                    redactor.handles[key] = _("Third party %(n)s") % {"n": len(redactor.handles) + 1}
            if redactor.handles:
                names = "|".join(re.escape(h) for h in sorted(redactor.handles, key=len, reverse=True))
                redactor._pattern = re.compile(rf"@({names})\b", re.IGNORECASE)
        return redactor

    def label(self, handle: str) -> str:
        return self.handles.get((handle or "").lower(), "")

    def text(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: "@[" + self.handles[m.group(1).lower()] + "]", text)


def _media_of(case: Case) -> tuple[dict[tuple[str, int], list[MediaEntry]], list[MediaEntry]]:
    """Every medium of the case, by (channel, message pk): light tuples, one query per channel."""
    found: dict[tuple[str, int], list[MediaEntry]] = {}
    missing: list[MediaEntry] = []
    fields = [
        "tweet_id",
        "direct_message_id",
        "media_key",
        "type",
        "archive_status",
        "archive_file",
        "sha256",
        "size",
        "content_type",
        "archive_source_url",
        "url",
        "alt_text",
        "archive_error_code",
        "archive_error",
    ]
    for channel, query in (
        ("public", Media.objects.filter(tweet__case=case)),
        ("dm", Media.objects.filter(direct_message__case=case)),
    ):
        for row in query.order_by("id").values_list(*fields).iterator(chunk_size=CHUNK):
            (tweet_id, dm_id, key, kind, status, name, sha, size, ctype, source, url, alt, code, error) = row
            archived = status == ArchiveStatus.ARCHIVED and bool(name)
            extension = ("." + name.rsplit(".", 1)[-1]) if archived and "." in name else ""
            if archived:
                reason = ""
            elif status == ArchiveStatus.PENDING:
                reason = _("not archived yet") + (f" ({code}: {error})" if code else "")
            else:
                reason = f"{code}: {error}" if code else _("could not be archived")
            entry = MediaEntry(
                media_key=key,
                type=kind,
                archived=archived,
                storage_name=name if archived else "",
                sha256=sha if archived else "",
                size=size if archived else None,
                content_type=ctype if archived else "",
                source_url=source or url,
                alt_text=alt,
                error=reason,
                zip_path=f"media/{key}{extension}" if archived else "",
            )
            found.setdefault((channel, tweet_id if channel == "public" else dm_id), []).append(entry)
            if not archived:
                missing.append(entry)
    return found, missing


@dataclass
class CaseRecord:
    """The streamed record of one case (iterate ``messages()`` once per consumer)."""

    case: Case
    redactor: Redactor
    media: dict[tuple[str, int], list[MediaEntry]]
    media_missing: list[MediaEntry]
    customer_x_id: str

    @classmethod
    def load(cls, case: Case, *, redact_third_parties: bool = False) -> CaseRecord:
        media, missing = _media_of(case)
        customer = case.customer_x_user.x_id if case.customer_x_user_id else ""
        return cls(
            case=case,
            redactor=Redactor.for_case(case, enabled=redact_third_parties),
            media=media,
            media_missing=missing,
            customer_x_id=customer,
        )

    @property
    def media_count(self) -> int:
        return sum(len(items) for items in self.media.values())

    def _tweets(self) -> Iterator[MessageEntry]:
        rows = (
            Tweet.objects.filter(case=self.case)
            .order_by("created_at", "id")
            .values_list(
                "id",
                "x_id",
                "created_at",
                "author__handle",
                "author__name",
                "author__x_id",
                "party",
                "direction",
                "text",
                "in_reply_to_tweet_id",
                "is_deleted",
            )
        )
        for pk, x_id, at, handle, name, author_x_id, party, direction, text, reply_to, deleted in rows.iterator(
            chunk_size=CHUNK
        ):
            media = tuple(self.media.get(("public", pk), ()))
            if self.redactor.enabled and party == Party.THIRD_PARTY:
                label = self.redactor.label(handle) or _("Third party")
                yield MessageEntry(
                    channel="public",
                    x_id=x_id,
                    created_at=at,
                    author_handle=label,
                    author_name=label,
                    author_x_id="",
                    role=party,
                    direction=direction,
                    text=_("[text of a third party withheld]"),
                    permalink="",
                    in_reply_to=reply_to,
                    deleted=deleted,
                )
                continue
            yield MessageEntry(
                channel="public",
                x_id=x_id,
                created_at=at,
                author_handle=handle,
                author_name=name,
                author_x_id=author_x_id,
                role=party,
                direction=direction,
                text=self.redactor.text(text),
                permalink=f"https://x.com/{handle}/status/{x_id}" if handle else f"https://x.com/i/web/status/{x_id}",
                in_reply_to=reply_to,
                deleted=deleted,
                media=media,
            )

    def _dms(self) -> Iterator[MessageEntry]:
        rows = (
            DirectMessage.objects.filter(case=self.case, event_type="MessageCreate")
            .order_by("created_at", "id")
            .values_list(
                "id", "x_event_id", "created_at", "sender__handle", "sender__name", "sender__x_id", "direction", "text"
            )
        )
        for pk, x_id, at, handle, name, sender_x_id, direction, text in rows.iterator(chunk_size=CHUNK):
            role = Party.BRAND if direction == Direction.OUTBOUND else Party.CUSTOMER
            yield MessageEntry(
                channel="dm",
                x_id=x_id,
                created_at=at,
                author_handle=handle,
                author_name=name,
                author_x_id=sender_x_id,
                role=role,
                direction=direction,
                text=self.redactor.text(text),
                permalink="",
                in_reply_to="",
                deleted=False,
                media=tuple(self.media.get(("dm", pk), ())),
            )

    def messages(self) -> Iterator[MessageEntry]:
        """Every public tweet and DM of the case, oldest first (ties: public before DM, then X id)."""
        return heapq.merge(
            self._tweets(), self._dms(), key=lambda m: (m.created_at, m.channel != "public", len(m.x_id), m.x_id)
        )

    def events(self, *, include_notes: bool) -> Iterator[CaseEvent]:
        query = CaseEvent.objects.filter(case=self.case).select_related("actor").order_by("created_at", "id")
        if not include_notes:
            query = query.exclude(kind=CaseEvent.Kind.NOTE)
        return query.iterator(chunk_size=CHUNK)


@dataclass(frozen=True)
class PromiseLine:
    description: str
    kind: str
    made_at: dt.datetime
    due_at: dt.datetime
    status: str
    kept: bool | None
    resolved_at: dt.datetime | None


@dataclass(frozen=True)
class OrderLine:
    number: str
    store: str
    marketplace: str
    status: str
    total: Decimal
    currency: str
    payment_method: str
    payment_reference: str
    carrier: str
    tracking_number: str
    ordered_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    items: tuple[tuple[str, str, int, Decimal], ...]  # sku, title, quantity, unit price


@dataclass(frozen=True)
class Summary:
    """The cover page: what a dispute reviewer reads in a minute."""

    reference: str
    status: str
    brand_handle: str
    customer_name: str
    customer_handle: str
    customer_email: str
    orders: tuple[OrderLine, ...]
    complaint_at: dt.datetime | None
    first_response_at: dt.datetime | None
    moved_to_dm_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    promises: tuple[PromiseLine, ...]
    outcome: str
    outcome_note: str
    refund_amount: Decimal | None
    refund_currency: str
    category: str


def case_summary(case: Case) -> Summary:
    orders = tuple(
        OrderLine(
            number=o.order_number,
            store=o.store,
            marketplace=o.marketplace,
            status=o.get_status_display(),
            total=o.total_amount,
            currency=o.currency,
            payment_method=o.payment_method,
            payment_reference=o.payment_reference,
            carrier=o.carrier,
            tracking_number=o.tracking_number,
            ordered_at=o.ordered_at,
            shipped_at=o.shipped_at,
            delivered_at=o.delivered_at,
            items=tuple((i.sku, i.title, i.quantity, i.unit_price) for i in o.items.all()),
        )
        for o in case.orders.prefetch_related("items").order_by("ordered_at", "id")
    )
    promises = tuple(
        PromiseLine(
            description=p.description,
            kind=p.get_kind_display(),
            made_at=p.created_at,
            due_at=p.due_at,
            status=p.get_status_display(),
            kept={"kept": True, "missed": False}.get(p.status),
            resolved_at=p.resolved_at,
        )
        for p in case.promises.order_by("created_at", "id")
    )
    x_user = case.customer_x_user
    first_customer = (
        Tweet.objects.filter(case=case, direction=Direction.INBOUND).order_by("created_at").values("created_at")[:1]
    )
    complaint_at = next((row["created_at"] for row in first_customer), None) or case.opened_at
    return Summary(
        reference=case.reference or str(case.pk),
        status=case.get_status_display(),
        brand_handle=case.brand_account.handle,
        customer_name=(x_user.name if x_user else "") or case.customer.display_name,
        customer_handle=x_user.handle if x_user else "",
        customer_email=case.customer.email,
        orders=orders,
        complaint_at=complaint_at,
        first_response_at=case.first_response_at,
        moved_to_dm_at=case.moved_to_dm_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        promises=promises,
        outcome=case.get_outcome_display() if case.outcome else "",
        outcome_note=case.outcome_note,
        refund_amount=case.refund_amount,
        refund_currency=case.refund_currency,
        category=str(case.category) if case.category_id else "",
    )
