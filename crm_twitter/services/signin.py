"""Who may lift a sign-in lockout, and lifting it.

Failed sign-ins are counted by django-axes (see the project's settings): after
``AXES_FAILURE_LIMIT`` wrong passwords for one username from one address, that pair is refused —
even with the right password — until the cool-off ends. A colleague who locked themselves out
should not wait that long: a supervisor unlocks them from the admin.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from crm_twitter.roles import user_may_unlock_signins

logger = logging.getLogger(__name__)


def signin_unlock(*, usernames: Iterable[str], actor: Any) -> int:
    """Forget the failed sign-ins of ``usernames`` from every address, so each can sign in at once.

    Returns how many failure records were removed. Refused for anyone
    ``crm_twitter.roles.user_may_unlock_signins`` refuses (a PermissionError), whatever interface asks.
    """
    if not user_may_unlock_signins(actor):
        raise PermissionError("Only a supervisor can unlock sign-ins.")
    from axes.utils import reset

    removed = 0
    for username in sorted({name for name in usernames if name}):
        count = reset(username=username)
        removed += count
        logger.info(
            "sign-in unlocked for %r by %r (%d failure record(s) removed)", username, actor.get_username(), count
        )
    return removed
