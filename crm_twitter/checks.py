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

from django.core.checks import Error, Tags, register

from crm_twitter.conf import DEFAULTS, app_settings

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
    if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
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
