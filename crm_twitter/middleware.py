"""Middleware the app ships (add it to the host project's MIDDLEWARE; see README)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SESSION_KEY = "crm_twitter_language"


class UserLanguageMiddleware:
    """Use the signed-in user's chosen language (their preferences) instead of the browser's.

    Goes after ``AuthenticationMiddleware`` (it needs ``request.user``) and after Django's
    ``LocaleMiddleware``, whose choice it overrides. The choice is read once per session and kept
    there at sign-in (``language_on_login``), so a request costs no query; choosing another
    language updates the session at once (``remember``), other sessions of the same user pick it
    up at their next sign-in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_of(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    @staticmethod
    def language_of(request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        session = getattr(request, "session", None)
        kept = session.get(SESSION_KEY) if session is not None else None
        if isinstance(kept, list) and len(kept) == 2 and kept[0] == user.pk:
            return kept[1]
        from crm_twitter.services.preferences import user_language

        language = user_language(user)
        if session is not None:
            session[SESSION_KEY] = [user.pk, language]
        return language


def remember(request: HttpRequest, language: str) -> None:
    """The user just chose ``language``: use it from this request on."""
    if getattr(request, "session", None) is not None and request.user.is_authenticated:
        request.session[SESSION_KEY] = [request.user.pk, language]


@receiver(user_logged_in, dispatch_uid="crm_twitter_language_on_login")
def language_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Read the user's language once, as they sign in (not on their first page view)."""
    if request is None or getattr(request, "session", None) is None:
        return
    from crm_twitter.services.preferences import user_language

    request.session[SESSION_KEY] = [user.pk, user_language(user)]
