"""Admin for each user's own preferences (the language of their desk, e-mails and reports)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm_twitter.models import UserPreferences
from crm_twitter.services.preferences import language_supported


class UserPreferencesForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), required=False)

    class Meta:
        model = UserPreferences
        fields = ["user", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As the browser asks")), *settings.LANGUAGES]

    def clean_language(self) -> str:
        # The same rule as the user's own preferences page: only a language the project offers.
        value = self.cleaned_data["language"]
        return (language_supported(value) or "") if value else ""


@admin.register(UserPreferences)
class UserPreferencesAdmin(admin.ModelAdmin):
    form = UserPreferencesForm
    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["updated_at"]
