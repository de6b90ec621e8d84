"""Any other address under ``/api/v1/``: the API's own 404, not Django's HTML page.

A client that builds a wrong URL (an id that is not a number, a misspelt resource) reads the
same JSON error body as for every other refusal, after the same authentication; the schema says
so (``crm_twitter.api.openapi``). A known resource asked for without its trailing slash is
redirected as Django's ``APPEND_SLASH`` would (which never fires once every path resolves).
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from crm_twitter.api.views.base import ApiJSONRenderer, ApiPolicyMixin


class ApiNotFoundView(ApiPolicyMixin, APIView):
    schema = None  # not an operation
    renderer_classes = [ApiJSONRenderer]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permissions first: 401/403
        path = request.path_info
        if request.method in ("GET", "HEAD") and not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not type(self):
                query = request.META.get("QUERY_STRING", "")
                raise _Redirect(request.path + "/" + (f"?{query}" if query else ""))
        raise NotFound(_("No such API address."))

    def handle_exception(self, exc):
        if isinstance(exc, _Redirect):
            return HttpResponsePermanentRedirect(exc.location)
        return super().handle_exception(exc)


class _Redirect(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location
