"""A host's own middleware built on Django's, as real projects have (used by test_host_checks)."""

from django.contrib.auth.middleware import AuthenticationMiddleware


class HostAuthenticationMiddleware(AuthenticationMiddleware):
    pass
