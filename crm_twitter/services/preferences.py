"""A desk user's own preferences: the language they read the desk, its e-mails and reports in.

The inbox activates it on every request after sign-in (``crm_twitter.middleware.UserLanguageMiddleware``),
so an agent gets their language on any computer, whatever the browser asks for; e-mails and
reports addressed to them are rendered in it (``user_language`` / ``address_languages``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import get_supported_language_variant

from crm_twitter.models import UserPreferences
from crm_twitter.services.errors import CaseRuleError


def language_supported(code: str) -> str | None:
    """The project's spelling of ``code`` (``zh-Hans`` → ``zh-hans``), or None if the project
    does not offer that language (``settings.LANGUAGES``)."""
    if not code:
        return None
    try:
        found = get_supported_language_variant(code.strip().lower().replace("_", "-"))
    except LookupError:
        return None
    return found if found in dict(settings.LANGUAGES) else None


def user_language(user) -> str:
    """The language ``user`` chose ("" = none: the browser's, or the project's default)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    stored = UserPreferences.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language_supported(stored or "") or ""


def user_language_set(*, user, language: str) -> str:
    """Save ``user``'s language ("" clears it); refuses a language the project does not offer."""
    code = ""
    if language:
        code = language_supported(language) or ""
        if not code:
            raise CaseRuleError(
                f"{language!r} is not one of this desk's languages.", field="language", code="invalid_language"
            )
    UserPreferences.objects.update_or_create(user_id=user.pk, defaults={"language": code})
    return code


def address_languages(addresses: Iterable[str]) -> dict[str, str]:
    """The chosen language of each e-mail address that belongs to one active desk user who chose
    one (one query); addresses of nobody, of several people or of a user without a choice are left
    out — their e-mails go in the project's ``LANGUAGE_CODE``."""
    wanted = {a.strip().lower() for a in addresses if a and a.strip()}
    if not wanted:
        return {}
    User = get_user_model()
    field = User.get_email_field_name()
    rows = (
        UserPreferences.objects.filter(**{f"user__{field}__in": list(wanted)}, user__is_active=True)
        .exclude(language="")
        .values_list(f"user__{field}", "language")
    )
    found: dict[str, set[str]] = {}
    for address, language in rows:
        found.setdefault(address.lower(), set()).add(language)
    out = {}
    for address, languages in found.items():
        code = language_supported(next(iter(languages))) if len(languages) == 1 else None
        if code:
            out[address] = code
    return out
