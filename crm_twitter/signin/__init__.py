"""Sign-in pages for a host project that has none yet: ``path("accounts/", include("crm_twitter.signin.urls"))``.

The inbox and the reports send anonymous visitors to ``LOGIN_URL``; a new project has no page
there. A project with its own sign-in (``django.contrib.auth.urls``, allauth, SSO) leaves this out
and points ``LOGIN_URL`` at its own page (system check ``crm_twitter.E033`` says when it is missing).
"""
