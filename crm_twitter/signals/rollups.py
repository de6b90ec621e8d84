"""Tell the rollup fold about the changes its watermarks cannot see (``services.rollups``).

A deleted row leaves nothing for a watermark to read, so the days it counted on are taken from the
row itself while Django still holds it, and noted (``rollups_note_stale``) in the same transaction.
Django sends ``pre_delete`` for every row a delete collects — ``instance.delete()``,
``QuerySet.delete()``, the admin's bulk delete and every cascade — and then, after the DELETEs,
``post_delete``; the days gathered by the ``pre_*`` receivers are written by the first ``post_*``
one, so one delete of a thousand rows writes its days once. Case–order links: Django sends no delete
signal for an auto-created link model (``Collector.delete`` skips ``auto_created`` models even when
it loads their rows), so a deleted case or order reads its links itself, and every other delete of
links — ``remove()``, ``clear()``, ``set()`` (they run a ``QuerySet.delete()`` of the link model) and
``Case.orders.through.objects…delete()`` — goes through the link model's watched manager, which
sends ``crm_twitter.models.watch.links_deleting`` before the DELETE. Edits in
place of a dated row that has no ``updated_at`` (an outcome, a promise, an order item) note the row's
old and new days; a category's slug change re-keys the rollup rows. A ``QuerySet.update()`` of the
counted models sends ``crm_twitter.models.watch.pre_update``/``post_update``; what it must note is
``services.rollups.rollups_update_begin``'s rule.

Listening on a model costs Django its fast path for deleting it (it loads the rows to send the
signals): a case deleted loads its events, outcomes and promises, a thing done by an
admin or the demo reset, never by the desk's own flows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from crm_twitter.models import Case, CaseEvent, CaseOutcome, ComplaintCategory, Order, OrderItem, Promise
from crm_twitter.models.watch import links_deleting, post_update, pre_update
from crm_twitter.services.rollups import (
    rollups_category_deleted,
    rollups_category_renamed,
    rollups_note_stale,
    rollups_update_begin,
    rollups_update_end,
)


@dataclass
class _Noted:
    instants: list = field(default_factory=list)
    opened_of_cases: set[int] = field(default_factory=set)
    all_of_cases: set[int] = field(default_factory=set)
    opened_of_orders: set[int] = field(default_factory=set)
    origins: list = field(default_factory=list)  # the QuerySets being deleted, read once each

    def __bool__(self) -> bool:
        return bool(self.instants or self.opened_of_cases or self.all_of_cases or self.opened_of_orders)


_local = threading.local()


def _noted() -> _Noted:
    if not hasattr(_local, "noted"):
        _local.noted = _Noted()
    return _local.noted


def _flush(**_kwargs) -> None:
    """Write what the ``pre_*`` receivers gathered, once the rows are gone (same transaction). Left
    over from a delete that failed half-way, it only makes the fold recount a day more."""
    noted = _noted()
    _local.noted = _Noted()
    if not noted:
        return
    rollups_note_stale(
        instants=noted.instants,
        opened_of_cases=noted.opened_of_cases,
        all_of_cases=noted.all_of_cases,
        opened_of_orders=noted.opened_of_orders,
    )


# --- Deletes --------------------------------------------------------------------------------------


def _first_of(origin, model) -> bool | None:
    """For a ``QuerySet.delete()`` of ``model``: True for its first row, False for the others (a
    receiver then reads what it needs for all of them at once); None for any other delete."""
    if not isinstance(origin, QuerySet) or origin.model is not model:
        return None
    noted = _noted()
    if any(seen is origin for seen in noted.origins):
        return False
    noted.origins.append(origin)
    return True


@receiver(pre_delete, sender=Case, dispatch_uid="crm_twitter_rollups_case_deleted")
def _case_deleted(sender, instance: Case, origin=None, **kwargs) -> None:
    noted = _noted()
    noted.instants += [instance.opened_at, instance.resolved_at]
    # Its duplicates lose ``merged_into`` (SET_NULL, an UPDATE without signal) and become complaints.
    # Cases are only ever deleted themselves (every key of theirs protects or nulls), never by cascade.
    first = _first_of(origin, Case)
    if first is False:
        return
    deleted = Q(merged_into__in=origin.values("pk")) if first else Q(merged_into_id=instance.pk)
    noted.all_of_cases.update(Case.objects.filter(deleted).values_list("pk", flat=True))


@receiver(pre_delete, sender=CaseEvent, dispatch_uid="crm_twitter_rollups_event_deleted")
def _event_deleted(sender, instance: CaseEvent, **kwargs) -> None:
    # Its own day (a deleted case reopened since the last fold was counted resolved on the day of the
    # event that resolved it); the case's opened day holds its escalation and SLA judgement.
    noted = _noted()
    noted.instants.append(instance.created_at)
    noted.opened_of_cases.add(instance.case_id)


@receiver(pre_delete, sender=CaseOutcome, dispatch_uid="crm_twitter_rollups_outcome_deleted")
def _outcome_deleted(sender, instance: CaseOutcome, **kwargs) -> None:
    _noted().instants.append(instance.recorded_at)


@receiver(pre_delete, sender=Promise, dispatch_uid="crm_twitter_rollups_promise_deleted")
def _promise_deleted(sender, instance: Promise, **kwargs) -> None:
    _noted().instants.append(instance.due_at)


@receiver(pre_delete, sender=Order, dispatch_uid="crm_twitter_rollups_order_deleted")
def _order_deleted(sender, instance: Order, origin=None, **kwargs) -> None:
    # Its links go by cascade without a signal (Django sends none for an auto-created model, even
    # when it loads the rows): read them now. Orders too are only deleted themselves (a customer's
    # deletion nulls theirs).
    first = _first_of(origin, Order)
    if first is False:
        return
    links = Case.orders.through.objects.filter(order_id__in=origin.values("pk") if first else [instance.pk])
    _noted().opened_of_cases.update(links.values_list("case_id", flat=True))


@receiver(pre_delete, sender=OrderItem, dispatch_uid="crm_twitter_rollups_item_deleted")
def _item_deleted(sender, instance: OrderItem, **kwargs) -> None:
    _noted().opened_of_orders.add(instance.order_id)


for _model in (Case, CaseEvent, CaseOutcome, Promise, Order, OrderItem):
    post_delete.connect(_flush, sender=_model, dispatch_uid=f"crm_twitter_rollups_flush_{_model.__name__}")


# --- Links deleted --------------------------------------------------------------------------------


@receiver(links_deleting, sender=Case.orders.through, dispatch_uid="crm_twitter_rollups_links_deleted")
def _links_deleted(sender, queryset, **kwargs) -> None:
    """Case–order links deleted with a ``QuerySet.delete()`` of the link model: what ``remove()``,
    ``clear()`` and ``set()`` run (``case.orders…`` and ``order.cases…``) and a direct
    ``Case.orders.through.objects…delete()``. The cases' opened days hold the orders' dimensions;
    noted before the DELETE (the cases stay), in its transaction."""
    rollups_note_stale(opened_of_cases=queryset.values_list("case_id", flat=True).distinct().order_by())


# --- Edits in place -------------------------------------------------------------------------------


def _changes(instance, update_fields, watched: set[str]) -> bool:
    """An existing row saved with one of ``watched`` (a full save included)."""
    if instance._state.adding or instance.pk is None:
        return False
    return update_fields is None or bool(watched & set(update_fields))


@receiver(pre_save, sender=CaseOutcome, dispatch_uid="crm_twitter_rollups_outcome_edited")
def _outcome_edited(sender, instance: CaseOutcome, update_fields=None, **kwargs) -> None:
    watched = {"case", "outcome", "refund_amount", "refund_currency", "recorded_at"}
    if _changes(instance, update_fields, watched):
        old = CaseOutcome.objects.filter(pk=instance.pk).values_list("recorded_at", flat=True).first()
        _noted().instants += [old, instance.recorded_at]


@receiver(pre_save, sender=Promise, dispatch_uid="crm_twitter_rollups_promise_edited")
def _promise_edited(sender, instance: Promise, update_fields=None, **kwargs) -> None:
    # The services' status changes set ``resolved_at``, which the fold's watermarks read.
    if _changes(instance, update_fields, {"case", "due_at"}):
        old = Promise.objects.filter(pk=instance.pk).values_list("due_at", flat=True).first()
        _noted().instants += [old, instance.due_at]


@receiver(pre_save, sender=OrderItem, dispatch_uid="crm_twitter_rollups_item_edited")
def _item_edited(sender, instance: OrderItem, update_fields=None, **kwargs) -> None:
    if _changes(instance, update_fields, {"order", "sku"}):
        old = OrderItem.objects.filter(pk=instance.pk).values_list("order_id", flat=True).first()
        _noted().opened_of_orders.update(o for o in (old, instance.order_id) if o is not None)


for _model in (CaseOutcome, Promise, OrderItem):
    post_save.connect(_flush, sender=_model, dispatch_uid=f"crm_twitter_rollups_saved_{_model.__name__}")


# --- Categories -----------------------------------------------------------------------------------


@receiver(pre_save, sender=ComplaintCategory, dispatch_uid="crm_twitter_rollups_category_saving")
def _category_saving(sender, instance: ComplaintCategory, update_fields=None, **kwargs) -> None:
    if _changes(instance, update_fields, {"slug"}):
        instance._rollups_old_slug = (
            ComplaintCategory.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        )


@receiver(post_save, sender=ComplaintCategory, dispatch_uid="crm_twitter_rollups_category_saved")
def _category_saved(sender, instance: ComplaintCategory, created: bool, **kwargs) -> None:
    old = instance.__dict__.pop("_rollups_old_slug", None)
    if old and old != instance.slug:
        rollups_category_renamed(old, instance.slug)


@receiver(pre_delete, sender=ComplaintCategory, dispatch_uid="crm_twitter_rollups_category_deleted")
def _category_deleted(sender, instance: ComplaintCategory, **kwargs) -> None:
    rollups_category_deleted(instance.slug)


# --- QuerySet.update() ----------------------------------------------------------------------------


def _updating(sender, queryset, values, extra, state, **kwargs) -> None:
    rollups_update_begin(sender, queryset, values, extra, state)


def _updated(sender, state, **kwargs) -> None:
    rollups_update_end(sender, state)


for _model in (Case, CaseEvent, CaseOutcome, Promise, Order, OrderItem):
    pre_update.connect(_updating, sender=_model, dispatch_uid=f"crm_twitter_rollups_updating_{_model.__name__}")
    post_update.connect(_updated, sender=_model, dispatch_uid=f"crm_twitter_rollups_updated_{_model.__name__}")
