"""Who may use the inbox: signed-in users with a desk role (or superusers); actions need change_case.

The rules are ``crm_twitter.roles``'s, the same the API and the admin ask."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from crm_twitter.forbidden import forbidden_response
from crm_twitter.models import Case
from crm_twitter.roles import user_can_act_on_cases, user_is_desk_user
from crm_twitter.roles import user_can_assign_others as user_can_assign_others  # re-exported for the views
from crm_twitter.selectors.case_detail import case_detail

# The views' name for the rule.
user_can_act = user_can_act_on_cases


def crm_role_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login, then a desk role; anyone else gets the styled 403 (anonymous users go to the sign-in page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_is_desk_user(request.user):
            return forbidden_response(request, _("The support desk is for agents, supervisors and managers."))
        return view(request, *args, **kwargs)

    return wrapper


def crm_action_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A crm role with the right to change cases (agents, supervisors, superusers)."""

    @crm_role_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_can_act(request.user):
            return forbidden_response(request, _("Your role can read cases but not change them."))
        return view(request, *args, **kwargs)

    return wrapper


def visible_case_or_404(request: HttpRequest, pk: int) -> Case:
    """A case outside the user's teams answers 404, exactly like one that does not exist."""
    try:
        return case_detail(user=request.user, pk=pk)
    except Case.DoesNotExist:
        raise Http404("No such case")
