"""Django's own sign-in and sign-out views, in the desk's look and landing where a desk user expects."""

from __future__ import annotations

from django.conf import global_settings, settings
from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url
from django.urls import reverse


class SignInView(auth_views.LoginView):
    template_name = "crm_twitter/signin/login.html"

    def get_default_redirect_url(self) -> str:
        """Without ``?next=``: the host's ``LOGIN_REDIRECT_URL`` when it chose one, else the inbox —
        Django's default, ``/accounts/profile/``, is a page no new project has."""
        if settings.LOGIN_REDIRECT_URL != global_settings.LOGIN_REDIRECT_URL:
            return resolve_url(settings.LOGIN_REDIRECT_URL)
        return reverse("crm_twitter_inbox:queue")


class SignOutView(auth_views.LogoutView):
    def get_default_redirect_url(self) -> str:
        """Back to the sign-in page unless the host set ``LOGOUT_REDIRECT_URL`` (Django would
        otherwise render ``registration/logged_out.html``, the admin's page)."""
        if self.next_page:
            return resolve_url(self.next_page)
        return resolve_url(settings.LOGOUT_REDIRECT_URL or "login")
