"""Exceptions the services raise; interfaces turn them into messages, 4xx bodies or log lines."""

from __future__ import annotations


class CaseRuleError(Exception):
    """A business rule refused the change. ``code`` is stable; ``field`` names the input at fault."""

    code = "rule"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class IllegalTransition(CaseRuleError):
    code = "illegal_transition"


class StaleCase(CaseRuleError):
    """The case moved past the ``expected_version`` the person acted from (interfaces answer 409).

    ``change`` (a ``selectors.case_changes.CaseChange``) says who moved it; ``current_version``
    is the version to act from after a look at what changed. Set by ``case_writes.version_check``.
    """

    code = "stale"
    change = None
    current_version: int | None = None


class NotPermitted(CaseRuleError):
    """The actor's role does not allow this change (interfaces answer 403)."""

    code = "not_permitted"


class ComposeRefused(CaseRuleError):
    code = "compose_refused"
