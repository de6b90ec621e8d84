"""A ``QuerySet.update()`` that tells listeners what it is about to change.

Django sends no signal for ``QuerySet.update()``: it is one UPDATE statement and no row passes
through Python. Derived data kept elsewhere (the report rollups, ``crm_twitter.services.rollups``)
then cannot know that a counted column moved. The counted models use ``WatchedQuerySet`` as their
manager's queryset, which sends ``pre_update`` before the statement and ``post_update`` after it,
both inside one transaction with the UPDATE, so whatever a receiver notes exists exactly when the
change does. Models know nothing of what the receivers do (models sit below the services): a
``pre_update`` receiver may add columns to set (``extra``, e.g. ``updated_at``) and keep what it
read for its ``post_update`` (``state``). ``Model.save()`` does not come here (it has its own
signals); ``bulk_update()`` does (it runs ``update()`` per batch). An auto-created link model
(``Case.orders.through``) gets it too, for its deletes (``links_watch``).
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.dispatch import Signal

# sender: the model; queryset: the rows being updated; values: the columns and values asked for
# (read-only); extra: a dict a receiver may add columns to; state: carried to post_update.
pre_update = Signal()
# sender, queryset, values (as run, extra included), state, rows: how many rows the UPDATE changed.
post_update = Signal()
# For an auto-created many-to-many link model only, for which Django sends no pre/post_delete even
# when it loads the rows (``Collector.delete`` skips ``auto_created`` models): sender, queryset, sent
# in the deleting transaction before the DELETE. Cascades from the linked rows are not sent (their
# own delete signals are).
links_deleting = Signal()


class WatchedQuerySet(models.QuerySet):
    """``update()`` with ``pre_update`` / ``post_update`` around it (no listener: a plain update)."""

    def update(self, **kwargs: Any) -> int:
        if not (pre_update.has_listeners(self.model) or post_update.has_listeners(self.model)):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            extra: dict[str, Any] = {}
            state: dict[str, Any] = {}
            pre_update.send(sender=self.model, queryset=self, values=dict(kwargs), extra=extra, state=state)
            values = {**extra, **kwargs}  # what the caller set explicitly wins
            rows = super().update(**values)
            post_update.send(sender=self.model, queryset=self, values=values, state=state, rows=rows)
        return rows

    def delete(self) -> tuple[int, dict[str, int]]:
        if not (self.model._meta.auto_created and links_deleting.has_listeners(self.model)):
            return super().delete()
        with transaction.atomic(using=self.db, savepoint=False):
            links_deleting.send(sender=self.model, queryset=self)
            return super().delete()


WatchedManager = models.Manager.from_queryset(WatchedQuerySet)


def links_watch(through: type[models.Model]) -> None:
    """Give an auto-created many-to-many link model the watched manager: its ``QuerySet.delete()``
    (what ``remove()``, ``clear()`` and ``set()`` run, and ``Case.orders.through.objects…delete()``)
    then sends ``links_deleting``. Django declares no way to set an auto-created model's manager, so
    its lone auto-created ``objects`` is replaced here, once, as the model module is imported."""
    meta = through._meta
    if not meta.auto_created or isinstance(meta.default_manager, WatchedManager):
        return
    meta.local_managers = [m for m in meta.local_managers if m.name != "objects"]
    WatchedManager().contribute_to_class(through, "objects")
