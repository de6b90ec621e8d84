from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmTwitterConfig(AppConfig):
    name = "crm_twitter"
    verbose_name = _("X/Twitter after-sales desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Only registrations here: system checks are imported so Django runs them.
        from crm_twitter import checks, middleware  # noqa: F401  (middleware: its sign-in receiver)
        from crm_twitter.signals import rollups  # noqa: F401  (what the rollup fold's watermarks miss)
