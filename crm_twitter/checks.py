"""System checks that stop start-up when a ``CRM_TWITTER`` value cannot work.

Each problem names the setting and carries a stable id (``crm_twitter.E0xx``) so operators can
search for it.
"""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning

from crm_twitter.conf import DEFAULTS, app_settings
from crm_twitter.currencies import currency_is_valid

POSITIVE_INTS = (
    "SYNC_INTERVAL_SECONDS",
    "SYNC_MIN_INTERVAL_SECONDS",
    "SYNC_MAX_INTERVAL_SECONDS",
    "MENTIONS_WINDOW",
    "DM_LOOKBACK_DAYS",
    "MAX_PAGES_PER_SYNC",
    "REOPEN_WINDOW_DAYS",
    "MAX_OPEN_CASES_PER_AGENT",
    "TWEET_MAX_WEIGHTED_LENGTH",
    "DM_MAX_LENGTH",
    "OUTBOUND_MAX_ATTEMPTS",
    "OUTBOUND_BACKOFF_SECONDS",
    "OUTBOUND_MAX_BACKOFF_SECONDS",
    "INBOX_PAGE_SIZE",
    "API_PAGE_SIZE",
    "API_BULK_MAX_ROWS",
    "WEBHOOK_MAX_BODY_BYTES",
    "WEBHOOK_LIVE_SECONDS",
    "WEBHOOK_POLL_INTERVAL_SECONDS",
)


def _error(setting: str, msg: str, id_: str, hint: str | None = None) -> Error:
    return Error(f"CRM_TWITTER['{setting}'] {msg}", hint=hint, id=id_)


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    user = app_settings.user_settings()
    if not isinstance(user, dict):
        return [Error("settings.CRM_TWITTER must be a dict.", id="crm_twitter.E000")]
    for name in user:
        if name not in DEFAULTS:
            errors.append(
                _error(name, "is not a known setting.", "crm_twitter.E001", hint="See the settings table in README.md.")
            )

    url = app_settings.API_BASE_URL
    parsed = urlparse(url) if isinstance(url, str) else None
    if not parsed or parsed.scheme not in {"http", "https"} or not parsed.netloc:
        errors.append(_error("API_BASE_URL", f"must be an http(s) URL, got {url!r}.", "crm_twitter.E002"))

    for name in POSITIVE_INTS:
        if not _is_positive_int(getattr(app_settings, name)):
            errors.append(
                _error(name, f"must be a positive integer, got {getattr(app_settings, name)!r}.", "crm_twitter.E003")
            )
    intervals = ("SYNC_MIN_INTERVAL_SECONDS", "SYNC_INTERVAL_SECONDS", "SYNC_MAX_INTERVAL_SECONDS")
    if all(_is_positive_int(getattr(app_settings, n)) for n in intervals) and not (
        app_settings.SYNC_MIN_INTERVAL_SECONDS
        <= app_settings.SYNC_INTERVAL_SECONDS
        <= app_settings.SYNC_MAX_INTERVAL_SECONDS
    ):
        errors.append(
            _error(
                "SYNC_INTERVAL_SECONDS",
                "must lie between SYNC_MIN_INTERVAL_SECONDS and SYNC_MAX_INTERVAL_SECONDS.",
                "crm_twitter.E004",
            )
        )

    timeout = app_settings.HTTP_TIMEOUT_SECONDS
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        errors.append(
            _error("HTTP_TIMEOUT_SECONDS", f"must be a positive number, got {timeout!r}.", "crm_twitter.E005")
        )

    tz = app_settings.TIME_ZONE
    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(_error("TIME_ZONE", f"is not a known IANA time zone: {tz!r}.", "crm_twitter.E006"))

    currency = app_settings.REPORTING_CURRENCY
    if not currency_is_valid(currency):  # the codes orders and refunds accept (crm_twitter.currencies)
        errors.append(
            _error("REPORTING_CURRENCY", f"must be an ISO 4217 code like 'USD', got {currency!r}.", "crm_twitter.E007")
        )

    prices = app_settings.PRICES
    if not isinstance(prices, dict):
        errors.append(_error("PRICES", "must be a dict of price names to decimal strings.", "crm_twitter.E008"))
    else:
        for key, value in prices.items():
            try:
                if Decimal(str(value)) < 0:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors.append(_error("PRICES", f"has a bad price for {key!r}: {value!r}.", "crm_twitter.E008"))

    ratio = app_settings.BUDGET_SLOWDOWN_RATIO
    if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 < ratio <= 1:
        errors.append(
            _error("BUDGET_SLOWDOWN_RATIO", f"must be a number in (0, 1], got {ratio!r}.", "crm_twitter.E009")
        )

    patterns = app_settings.ORDER_NUMBER_PATTERNS
    if not isinstance(patterns, dict):
        errors.append(_error("ORDER_NUMBER_PATTERNS", "must map store names to lists of regexes.", "crm_twitter.E010"))
        patterns = {}
    all_patterns = [
        (f"ORDER_NUMBER_PATTERNS[{store!r}]", p)
        for store, ps in patterns.items()
        for p in (ps if isinstance(ps, (list, tuple)) else [ps])
    ]
    tracking = app_settings.TRACKING_NUMBER_PATTERNS
    if not isinstance(tracking, (list, tuple)):
        errors.append(_error("TRACKING_NUMBER_PATTERNS", "must be a list of regexes.", "crm_twitter.E010"))
    else:
        all_patterns += [("TRACKING_NUMBER_PATTERNS", p) for p in tracking]
    for where, pattern in all_patterns:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            errors.append(Error(f"CRM_TWITTER {where} has an invalid regex {pattern!r}: {exc}.", id="crm_twitter.E011"))

    sla = app_settings.SLA_DEFAULTS
    for priority in ("urgent", "high", "normal", "low"):
        row = sla.get(priority) if isinstance(sla, dict) else None
        if not isinstance(row, dict) or not all(
            _is_positive_int(row.get(k)) for k in ("first_response", "next_response", "resolution")
        ):
            errors.append(
                _error(
                    "SLA_DEFAULTS",
                    f"needs positive minutes for first_response, next_response and resolution under {priority!r}.",
                    "crm_twitter.E012",
                )
            )

    for name in ("REPORT_DAY", "REPORT_HOUR"):
        value = getattr(app_settings, name)
        low, high = (1, 28) if name == "REPORT_DAY" else (0, 23)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors.append(_error(name, f"must be an integer from {low} to {high}, got {value!r}.", "crm_twitter.E013"))

    recipients = app_settings.REPORT_RECIPIENTS
    if not isinstance(recipients, (list, tuple)) or not all(isinstance(r, str) and "@" in r for r in recipients):
        errors.append(_error("REPORT_RECIPIENTS", "must be a list of e-mail addresses.", "crm_twitter.E014"))

    key = app_settings.ENCRYPTION_KEY
    if key is not None:
        from crm_twitter.crypto import InvalidEncryptionKey, build_fernet

        try:
            build_fernet(key)
        except InvalidEncryptionKey as exc:
            errors.append(_error("ENCRYPTION_KEY", str(exc), "crm_twitter.E015"))

    rate = app_settings.API_THROTTLE_RATE
    if not (isinstance(rate, str) and re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", rate)):
        errors.append(_error("API_THROTTLE_RATE", f"must look like '1200/minute', got {rate!r}.", "crm_twitter.E016"))
    errors.extend(_classifier_errors())
    errors.extend(_incident_errors())
    return errors


def _classifier_errors() -> list[Error]:
    """Language detection and the category model must work before the first message arrives."""
    errors: list[Error] = []
    languages = app_settings.LANGUAGE_DETECTION_LANGUAGES
    if not isinstance(languages, (list, tuple)) or not all(isinstance(c, str) for c in languages):
        errors.append(_error("LANGUAGE_DETECTION_LANGUAGES", "must be a list of ISO 639-1 codes.", "crm_twitter.E020"))
    else:
        from crm_twitter.classify.language import language_detector_check

        problem = language_detector_check(languages)
        if problem:
            errors.append(_error("LANGUAGE_DETECTION_LANGUAGES", problem, "crm_twitter.E020"))
    confidence = app_settings.CATEGORY_MIN_CONFIDENCE
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        errors.append(
            _error("CATEGORY_MIN_CONFIDENCE", f"must be a number from 0 to 1, got {confidence!r}.", "crm_twitter.E021")
        )
    for name in ("CATEGORY_RETRAIN_MIN_NEW_LABELS", "CATEGORY_HOLDOUT_EVERY"):
        value = getattr(app_settings, name)
        if not _is_positive_int(value) or (name == "CATEGORY_HOLDOUT_EVERY" and value < 2):
            errors.append(
                _error(
                    name, f"must be a positive integer (at least 2 for the holdout), got {value!r}.", "crm_twitter.E022"
                )
            )
    try:
        from crm_twitter.classify.training import backend_class

        backend_class()
    except (ImportError, TypeError, ValueError) as exc:
        errors.append(_error("CATEGORY_CLASSIFIER_BACKEND", f"cannot be used: {exc}.", "crm_twitter.E023"))
        return errors
    from crm_twitter.services.categorisation import model_problem

    problem = model_problem()
    if problem:
        errors.append(
            Error(
                problem,
                hint="python manage.py crm_twitter_train_classifier (or set CRM_TWITTER['CATEGORY_MODEL_PATH'])",
                id="crm_twitter.E024",
            )
        )
    return errors


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _incident_errors() -> list[Error]:
    """Surge detection runs every minute: a bad threshold would open incidents for nothing, or never."""
    errors: list[Error] = []
    if not isinstance(app_settings.INCIDENT_DETECTION_ENABLED, bool):
        errors.append(_error("INCIDENT_DETECTION_ENABLED", "must be True or False.", "crm_twitter.E190"))
    windows = app_settings.INCIDENT_WINDOWS_HOURS
    if (
        not isinstance(windows, (list, tuple))
        or not windows
        or not all(_is_positive_int(w) and w <= 7 * 24 for w in windows)
    ):
        errors.append(
            _error(
                "INCIDENT_WINDOWS_HOURS",
                f"must be a non-empty list of whole hours from 1 to 168, got {windows!r}.",
                "crm_twitter.E191",
            )
        )
    for name in ("INCIDENT_BASELINE_WEEKS", "INCIDENT_MIN_CUSTOMERS"):
        if not _is_positive_int(getattr(app_settings, name)):
            errors.append(
                _error(name, f"must be a positive integer, got {getattr(app_settings, name)!r}.", "crm_twitter.E192")
            )
    floor = app_settings.INCIDENT_FLOOR_PER_HOUR
    if not _is_number(floor) or not floor > 0:
        errors.append(
            _error("INCIDENT_FLOOR_PER_HOUR", f"must be a positive number, got {floor!r}.", "crm_twitter.E193")
        )
    for name in ("INCIDENT_P_VALUE", "INCIDENT_CATEGORY_MIN_CONFIDENCE"):
        value = getattr(app_settings, name)
        if not _is_number(value) or not 0 < value < 1:
            errors.append(_error(name, f"must be a number between 0 and 1, got {value!r}.", "crm_twitter.E194"))
    return errors


# --- What the host project must provide ------------------------------------------------------------
# crm_twitter runs inside someone else's project. Each check below names one thing that project
# has to add (README.md, "Using it in your own project") and carries the line to add as its hint.

HOST_SNIPPET = "README.md, 'Using it in your own project'"
HOST_APPS = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "django_q",
)
HOST_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
)
LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"
USER_LANGUAGE_MIDDLEWARE = "crm_twitter.middleware.UserLanguageMiddleware"
HOST_CONTEXT_PROCESSORS = (
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
)
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
# DRF applies these process-wide, inside every serializer field: no view can opt out of them, so a
# host that changes one changes the wire format the README documents for crm_twitter's API.
DRF_WIRE_FORMAT = (
    "COERCE_DECIMAL_TO_STRING",
    "COERCE_BIGINT_TO_STRING",
    "DATETIME_FORMAT",
    "DATETIME_INPUT_FORMATS",
    "DATE_FORMAT",
    "DATE_INPUT_FORMATS",
    "TIME_FORMAT",
    "TIME_INPUT_FORMATS",
    "DURATION_FORMAT",
    "NON_FIELD_ERRORS_KEY",
)
APP_URL_NAMES = (
    "crm_twitter_inbox:queue",
    "crm_twitter_reports:dashboard",
    "crm_twitter_api:schema",
    "crm_twitter_x:webhook",
)


def _has_class(configured: Any, wanted: str) -> bool:
    """Whether a dotted-path list (MIDDLEWARE …) holds ``wanted`` or a subclass of it."""
    from django.utils.module_loading import import_string

    try:
        wanted_class = import_string(wanted)
    except ImportError:
        return wanted in configured
    for path in configured or ():
        try:
            candidate = import_string(path)
        except ImportError:
            continue
        if isinstance(candidate, type) and issubclass(candidate, wanted_class):
            return True
    return False


@register(Tags.compatibility)
def check_host_project(app_configs: Any = None, **kwargs: Any) -> list[Error | CheckWarning]:
    """Apps, middleware and the task queue the desk cannot run without."""
    from django.apps import apps

    problems: list[Error | CheckWarning] = []
    missing_apps = [name for name in HOST_APPS if not apps.is_installed(name)]
    if missing_apps:
        problems.append(
            Error(
                f"crm_twitter needs these apps in INSTALLED_APPS: {', '.join(missing_apps)}.",
                hint=f"INSTALLED_APPS += {missing_apps!r} (see {HOST_SNIPPET}).",
                id="crm_twitter.E030",
            )
        )
    for middleware in HOST_MIDDLEWARE:
        if not _has_class(settings.MIDDLEWARE, middleware):
            problems.append(
                Error(
                    f"crm_twitter needs {middleware!r} in MIDDLEWARE (the inbox reads the session, "
                    "the signed-in user, flash messages and htmx requests).",
                    hint=f"MIDDLEWARE += [{middleware!r}] (see {HOST_SNIPPET}).",
                    id="crm_twitter.E031",
                )
            )
    if not _has_class(settings.MIDDLEWARE, LOCALE_MIDDLEWARE):
        problems.append(
            CheckWarning(
                f"{LOCALE_MIDDLEWARE!r} is not in MIDDLEWARE: the inbox's language menu changes nothing.",
                hint=f"Insert it after SessionMiddleware, before CommonMiddleware (see {HOST_SNIPPET}).",
                id="crm_twitter.W037",
            )
        )
    if not _has_class(settings.MIDDLEWARE, USER_LANGUAGE_MIDDLEWARE):
        problems.append(
            CheckWarning(
                f"{USER_LANGUAGE_MIDDLEWARE!r} is not in MIDDLEWARE: the language each user chooses in "
                "their preferences is ignored by the inbox and the reports (the browser's is used).",
                hint=f"Add it after AuthenticationMiddleware (see {HOST_SNIPPET}).",
                id="crm_twitter.W046",
            )
        )
    cluster = getattr(settings, "Q_CLUSTER", None)
    if not isinstance(cluster, dict):
        problems.append(
            Error(
                "Q_CLUSTER is not set: django-q2 would send crm_twitter's tasks (X sync, the send queue, "
                "SLA sweeps, reports) to a Redis server on localhost, and every case action enqueues one.",
                hint=f'Q_CLUSTER = {{"name": "crm_twitter", "orm": "default", "timeout": 240, "retry": 300}} '
                f"and run `python manage.py qcluster` (see {HOST_SNIPPET}).",
                id="crm_twitter.E035",
            )
        )
    else:
        timeout, retry = cluster.get("timeout"), cluster.get("retry", 60)  # django-q2's defaults
        if not isinstance(timeout, (int, float)) or not isinstance(retry, (int, float)) or retry <= timeout:
            problems.append(
                CheckWarning(
                    f"Q_CLUSTER's retry ({retry!r}) must be longer than its timeout ({timeout!r}): django-q2 hands "
                    "a task still running after `retry` seconds to a second worker, and an X sync can run "
                    "for minutes.",
                    hint='Q_CLUSTER["timeout"] = 240, Q_CLUSTER["retry"] = 300',
                    id="crm_twitter.W036",
                )
            )
    rest_framework = getattr(settings, "REST_FRAMEWORK", None) or {}
    from rest_framework.settings import DEFAULTS as DRF_DEFAULTS

    changed = [
        key
        for key in DRF_WIRE_FORMAT
        if key in rest_framework and key in DRF_DEFAULTS and rest_framework[key] != DRF_DEFAULTS[key]
    ]
    if changed:
        problems.append(
            CheckWarning(
                f"REST_FRAMEWORK sets {', '.join(changed)}: DRF applies these to every API in the process, so "
                "crm_twitter's API no longer answers in the format its README documents.",
                hint="Set them on your own serializer fields instead, or accept the changed format.",
                id="crm_twitter.W039",
            )
        )
    return problems


@register(Tags.templates)
def check_host_templates(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The app's templates must be found, and see the request, the user and the messages."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    errors: list[Error] = []
    try:
        get_template("crm_twitter/base.html")
    except TemplateDoesNotExist:
        errors.append(
            Error(
                "crm_twitter's templates cannot be found.",
                hint='Use a DjangoTemplates backend with "APP_DIRS": True (django-admin startproject does).',
                id="crm_twitter.E032",
            )
        )
        return errors
    processors = {
        processor
        for engine in settings.TEMPLATES
        if engine.get("BACKEND") == "django.template.backends.django.DjangoTemplates"
        for processor in engine.get("OPTIONS", {}).get("context_processors", [])
    }
    for processor in HOST_CONTEXT_PROCESSORS:
        if processor not in processors:
            errors.append(
                Error(
                    f"crm_twitter's pages need the context processor {processor!r}.",
                    hint=f'Add it to TEMPLATES[0]["OPTIONS"]["context_processors"] (see {HOST_SNIPPET}).',
                    id="crm_twitter.E032",
                )
            )
    return errors


@register(Tags.urls)
def check_host_urls(app_configs: Any = None, **kwargs: Any) -> list[Error | CheckWarning]:
    """A sign-in page at LOGIN_URL, and the app's own URLs."""
    from django.shortcuts import resolve_url
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    problems: list[Error | CheckWarning] = []
    login_url: str | None
    try:
        login_url = str(resolve_url(settings.LOGIN_URL))
        parsed = urlparse(login_url)
        if not (parsed.scheme or parsed.netloc):  # a sign-in on another site is the host's business
            resolve(parsed.path)
    except (NoReverseMatch, Resolver404):
        login_url = None
    if login_url is None:
        problems.append(
            Error(
                f"LOGIN_URL ({settings.LOGIN_URL!r}) is not a page of this project: the inbox, the reports and "
                "the API docs send signed-out visitors there.",
                hint='Add the app\'s sign-in pages, urlpatterns += [path("accounts/", '
                'include("crm_twitter.signin.urls"))] with LOGIN_URL = "login", or point LOGIN_URL at your own '
                f"sign-in page (see {HOST_SNIPPET}).",
                id="crm_twitter.E033",
            )
        )
    missing = []
    for name in APP_URL_NAMES:
        try:
            reverse(name)
        except NoReverseMatch:
            missing.append(name)
    if missing:
        problems.append(
            CheckWarning(
                f"crm_twitter's URLs are not included ({', '.join(missing)} cannot be reversed).",
                hint=f'urlpatterns += [path("", include("crm_twitter.urls"))] (see {HOST_SNIPPET}).',
                id="crm_twitter.W040",
            )
        )
    return problems


@register(Tags.caches)
def check_host_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """Presence, the queue counts and the API throttle live in the cache: it must be shared."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not any(_has_class([backend], per_process) for per_process in PER_PROCESS_CACHES):
        return []
    return [
        CheckWarning(
            f"The default cache ({backend}) is not shared between processes: agents on different web workers "
            "do not see each other on a case, and each worker throttles the API on its own.",
            hint='CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", '
            '"LOCATION": "crm_twitter_cache"}} and run `python manage.py createcachetable`, or use Redis '
            f"(see {HOST_SNIPPET}).",
            id="crm_twitter.W034",
        )
    ]


@register(Tags.security, deploy=True)
def check_host_webhook(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """In deployment checks: without the consumer secret the real-time path is off."""
    if app_settings.WEBHOOK_CONSUMER_SECRET:
        return []
    return [
        CheckWarning(
            "CRM_TWITTER['WEBHOOK_CONSUMER_SECRET'] is empty: the X webhook (webhooks/x/) refuses every delivery, "
            "so new messages arrive only by polling, up to SYNC_INTERVAL_SECONDS late.",
            hint="Set it to the X app's consumer secret and register https://<your host>/webhooks/x/ with X, which "
            "only delivers over HTTPS (behind a TLS proxy, set SECURE_PROXY_SSL_HEADER). Silence "
            "crm_twitter.W038 if you poll only.",
            id="crm_twitter.W038",
        )
    ]


@register(Tags.security, deploy=True)
def check_encryption_key_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """In deployment checks: credentials encrypted with a key derived from SECRET_KEY.

    It works (the demo needs no set-up), but it ties two secrets together: rotating SECRET_KEY —
    the usual answer to a leak — makes every stored X credential unreadable, and whoever holds
    SECRET_KEY can decrypt them all.
    """
    if app_settings.ENCRYPTION_KEY is not None:
        return []
    return [
        CheckWarning(
            "CRM_TWITTER['ENCRYPTION_KEY'] is not set: X credentials are encrypted with a key derived from "
            "SECRET_KEY, so rotating SECRET_KEY makes them unreadable and SECRET_KEY alone decrypts them.",
            hint="Set CRM_TWITTER_ENCRYPTION_KEY from your secret store to a Fernet key "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"), '
            "then re-enter the accounts' credentials (crm_twitter_account add) so they are stored under it.",
            id="crm_twitter.W050",
        )
    ]


@register(Tags.compatibility)
def check_media_archive(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The media archive's and evidence packs' settings (docs/evidence.md)."""
    errors: list[Error] = []
    hosts = app_settings.MEDIA_HOSTS
    if not isinstance(hosts, (list, tuple)) or not all(
        isinstance(h, str) and h and "/" not in h and ":" not in h for h in hosts
    ):
        errors.append(
            _error("MEDIA_HOSTS", "must be a list of host names (no scheme, port or path).", "crm_twitter.E170")
        )
    insecure = app_settings.MEDIA_INSECURE_HOSTS
    if not isinstance(insecure, (list, tuple)) or not all(
        isinstance(h, str) and re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d{1,5}", h) for h in insecure
    ):
        errors.append(
            _error("MEDIA_INSECURE_HOSTS", "must be a list of 'host:port' entries (the sandbox's).", "crm_twitter.E170")
        )
    for name in ("MEDIA_MAX_BYTES", "MEDIA_MAX_ATTEMPTS", "MEDIA_BACKOFF_SECONDS", "MEDIA_MAX_BACKOFF_SECONDS"):
        if not _is_positive_int(getattr(app_settings, name)):
            errors.append(
                _error(name, f"must be a positive integer, got {getattr(app_settings, name)!r}.", "crm_twitter.E003")
            )
    for name in ("MEDIA_ARCHIVE_BATCH", "MEDIA_ARCHIVE_THREADS"):
        if not _is_positive_int(getattr(app_settings, name)):
            errors.append(
                _error(name, f"must be a positive integer, got {getattr(app_settings, name)!r}.", "crm_twitter.E003")
            )
    timeout = app_settings.MEDIA_TIMEOUT_SECONDS
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        errors.append(
            _error("MEDIA_TIMEOUT_SECONDS", f"must be a positive number, got {timeout!r}.", "crm_twitter.E005")
        )
    from django.core.files.storage import InvalidStorageError, storages

    try:
        storages[app_settings.MEDIA_STORAGE or "default"]
    except (InvalidStorageError, TypeError):
        errors.append(
            _error("MEDIA_STORAGE", f"names no STORAGES alias: {app_settings.MEDIA_STORAGE!r}.", "crm_twitter.E171")
        )
    from crm_twitter.evidence.signing import InvalidSigningKey, load_private_key

    if app_settings.EVIDENCE_SIGNING_KEY is not None:
        try:
            load_private_key(app_settings.EVIDENCE_SIGNING_KEY)
        except InvalidSigningKey as exc:
            errors.append(
                _error(
                    "EVIDENCE_SIGNING_KEY",
                    str(exc),
                    "crm_twitter.E172",
                    hint="python manage.py crm_twitter_evidence --generate-key prints a new one.",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_media_archive_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """In deployment checks: the sandbox's plain-HTTP media host, and a signing key tied to SECRET_KEY."""
    problems: list[CheckWarning] = []
    if app_settings.MEDIA_INSECURE_HOSTS:
        problems.append(
            CheckWarning(
                "CRM_TWITTER['MEDIA_INSECURE_HOSTS'] is set: the media archive fetches from these hosts over plain "
                "HTTP and on internal addresses. It exists for the X sandbox in tests and the demo only.",
                hint="Remove it in production.",
                id="crm_twitter.W171",
            )
        )
    if app_settings.EVIDENCE_SIGNING_KEY is None:
        problems.append(
            CheckWarning(
                "CRM_TWITTER['EVIDENCE_SIGNING_KEY'] is not set: evidence packs are signed with a key derived from "
                "SECRET_KEY, so rotating SECRET_KEY changes the public key every published pack is checked against.",
                hint="Set it from your secret store to the output of `python manage.py crm_twitter_evidence "
                "--generate-key`, and publish the public key (`--public-key-only`).",
                id="crm_twitter.W172",
            )
        )
    return problems
