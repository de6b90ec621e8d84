"""Token authentication for integrations, over ``ApiToken`` (hashed keys, scoped, revocable).

``Authorization: Bearer crm_…`` (or ``Token crm_…``). A header with another scheme is left to
the next authenticator (session), so the inbox's own JavaScript keeps working.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from crm_twitter.models import ApiToken
from crm_twitter.models.api_tokens import hash_token

KEYWORDS = ("bearer", "token")
# Writing last_used_at on every request would turn each read into a write; once a minute is
# plenty to tell a live integration from a dead one.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: expected '<scheme> crm_…'."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return self.authenticate_credentials(raw)

    def authenticate_credentials(self, raw: str):
        if not raw.startswith("crm_") or len(raw) > 200:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
