"""The signed-in user's own preferences (the language of the desk, its e-mails and reports).

Thin: the rules (which languages, where it is stored) are ``crm_twitter.services.preferences``'s.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from crm_twitter.middleware import remember
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.preferences import user_language, user_language_set


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The desk, the e-mails it sends you and the reports addressed to you use this language."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks")), *settings.LANGUAGES]


def _apply(request: HttpRequest, language: str) -> None:
    remember(request, language)
    translation.activate(language or translation.get_language_from_request(request))
    request.LANGUAGE_CODE = translation.get_language()


@login_required
def preferences_view(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: save, then back here in the chosen language."""
    form = PreferencesForm(request.POST or None, initial={"language": user_language(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            language = user_language_set(user=request.user, language=form.cleaned_data["language"])
        except CaseRuleError as exc:
            form.add_error("language", exc.message)
        else:
            _apply(request, language)
            messages.success(request, gettext("Your preferences are saved."))
            response = redirect("crm_twitter_inbox:preferences")
            # The language cookie too, so the sign-in page speaks it after signing out; none when
            # the browser is to decide again.
            if language:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    return render(request, "crm_twitter/preferences.html", {"form": form})


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """The top bar's language menu: Django's ``set_language`` (cookie, safe redirect), and for a
    signed-in user also their saved preference, so the choice follows them to other computers."""
    if request.user.is_authenticated:
        try:
            language = user_language_set(user=request.user, language=request.POST.get("language", ""))
        except CaseRuleError:
            pass  # set_language ignores an unknown language the same way
        else:
            remember(request, language)
    return set_language(request)
