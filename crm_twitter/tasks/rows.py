"""A queued task whose row was deleted before a worker took it.

Tasks name their row by id (an account, an outbound message, a webhook delivery, an evidence
pack) and may wait in the queue for minutes; meanwhile the row can go — a demo reset
(``crm_twitter_demo --reset``) reloads the demo's accounts and cases under new ids, an admin
deletes an account. Such a task has nothing left to do: it ends as a success with one info line,
so the worker log shows no traceback and django-q2 never tries it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model

logger = logging.getLogger(__name__)

T = TypeVar("T")


def unless_gone(model: type[Model], pk: int, work: Callable[[], T], *, task: str, gone: T) -> T:
    """Run ``work``; when it fails because the task's own row (``model`` ``pk``) no longer exists,
    log that at info and return ``gone`` instead.

    Only the task's own row counts: if the row is still there, the missing row is another one
    and that is a real error, raised as before.
    """
    try:
        return work()
    except model.DoesNotExist:
        if model._default_manager.filter(pk=pk).exists():
            raise
        logger.info(
            "%s: %s %s no longer exists (deleted after the task was queued); nothing to do",
            task,
            model.__name__,
            pk,
        )
        return gone
