"""The desk's "not for you" page: a styled 403 with a sentence a person can act on, and no traceback.

Django's own answer to ``PermissionDenied`` is a bare "403 Forbidden" (unless the host project
ships a ``403.html``), and it logs the exception with its traceback, which reads like a crash in
the console every time an agent follows a link meant for supervisors. The desk's access
decorators answer through :func:`forbidden_response` instead of raising; a host project that
wants the same page for everything else points ``handler403`` at :func:`permission_denied`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

TEMPLATE = "crm_twitter/403.html"


def forbidden_response(request: HttpRequest, message: str = "") -> HttpResponse:
    """A 403 page in the desk's layout, saying why (``message``) and where to go instead."""
    body = render_to_string(
        TEMPLATE,
        {"message": message or _("Your role does not give access to this page.")},
        request=request,
    )
    return HttpResponse(body, status=403)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403`` for a host project: the desk's page, with the exception's text when it has one
    meant for people (Django passes the ``PermissionDenied`` raised by the view)."""
    message = str(exception) if exception is not None and exception.args else ""
    return forbidden_response(request, message)
