"""Throttling per API token (or per user for session calls), rate from ``API_THROTTLE_RATE``."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from crm_twitter.conf import app_settings
from crm_twitter.models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "crm_twitter_api"

    def get_rate(self) -> str | None:
        # Read on every request so override_settings and a host's setting change apply at once.
        return app_settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.key_hash[:24]}"  # never reused, unlike a pk
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
