"""What changed on a case since the version a page (or an API client) last saw.

``Case.version`` moves only for changes a person must see before acting on the case (the rule is
written down in ``crm_twitter.services.lifecycle``), and every event such a change writes records
the version it produced in ``data["version"]``. The events above the version a form carries are
therefore exactly what its author has not seen; this module sorts them into "the customer wrote",
"a colleague changed something" (or "you did, in another window") and "the desk's rules changed
something", so the stale-form refusal, the API's 409 and the inbox's "changed" banner can say which.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from crm_twitter.models import CaseEvent

K = CaseEvent.Kind

# Events the customer's own messages write (an inbound message, a survey answer).
CUSTOMER_KINDS = frozenset({K.MESSAGE_RECEIVED, K.SATISFACTION})

# A case rarely changes more than a few times while one page is open; past this many unseen
# events the summary is long enough to say "reload".
MAX_EVENTS = 50


@dataclass(frozen=True)
class CaseChange:
    """Who moved a case past a version: the customer, colleagues (by name), you elsewhere, rules."""

    customer_wrote: bool = False
    colleagues: tuple[str, ...] = ()  # display names, first change first; "" = a colleague on X itself
    by_you: bool = False
    by_rules: bool = False

    @property
    def known(self) -> bool:
        return self.customer_wrote or bool(self.colleagues) or self.by_you or self.by_rules

    def sentence(self) -> str:
        """One sentence for the agent ("The customer wrote while…"); "" when nothing is known.

        Whole sentences (not glued fragments) so every language can word them naturally.
        """
        names = _(", ").join(name or _("a colleague on X") for name in self.colleagues)
        if self.customer_wrote and names:
            return _("The customer wrote and %(names)s changed this case while you were looking at it.") % {
                "names": names
            }
        if self.customer_wrote:
            return _("The customer wrote while you were looking at this case.")
        if names:
            return _("%(names)s changed this case while you were looking at it.") % {"names": names}
        if self.by_you:
            return _("You changed this case in another window.")
        if self.by_rules:
            return _("The desk's rules (routing or escalation) changed this case while you were looking at it.")
        return ""


def case_changes_since(*, case_id: int, version: int, user_id: int | None = None) -> CaseChange:
    """Summarise the changes that moved the case above ``version`` (seen from ``user_id``'s side).

    Two small queries, run only when a version check failed or the banner shows. Changes that
    wrote no versioned event (a direct database edit, an older release's rows) are unknown:
    the summary is then empty and callers fall back to a generic "this case changed".
    """
    rows = list(
        CaseEvent.objects.filter(case_id=case_id, data__version__gt=int(version))
        .exclude(kind=K.NOTE)  # notes never move the version: they only add to the record
        .order_by("id")
        .values_list("kind", "actor_id", "data")[:MAX_EVENTS]
    )
    customer_wrote = by_you = by_rules = False
    colleague_ids: list[int] = []
    from_x = False
    for kind, actor_id, data in rows:
        if kind in CUSTOMER_KINDS:
            customer_wrote = True
        elif actor_id is not None and actor_id == user_id:
            by_you = True
        elif actor_id is not None:
            if actor_id not in colleague_ids:
                colleague_ids.append(actor_id)
        elif kind == K.REPLY_SENT and isinstance(data, dict) and data.get("sent_from_x"):
            from_x = True  # a colleague answered on X itself, outside the desk
        else:
            by_rules = True
    names: list[str] = []
    if colleague_ids:
        users = get_user_model().objects.in_bulk(colleague_ids)
        names = [users[pk].get_full_name() or users[pk].get_username() for pk in colleague_ids if pk in users]
    if from_x:
        names.append("")
    return CaseChange(customer_wrote=customer_wrote, colleagues=tuple(names), by_you=by_you, by_rules=by_rules)
