"""The app's settings: one ``CRM_TWITTER`` dict in the host project, defaults here.

Values are read lazily on every access (``app_settings.SYNC_INTERVAL_SECONDS``) so tests can use
``override_settings(CRM_TWITTER={...})`` and a host project can leave out whatever it is happy
with. Nested dicts (``PRICES``, ``SLA_DEFAULTS`` …) are merged one level deep, so overriding one
price keeps the others. ``checks.py`` validates the merged result at start-up.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # --- X API access ---------------------------------------------------------------------
    # Where tweepy sends its requests: X itself, or the sandbox (`crm_twitter_sandbox`).
    "API_BASE_URL": "https://api.x.com",
    "HTTP_TIMEOUT_SECONDS": 10.0,
    # Key(s) for encrypting stored X credentials. None derives one from SECRET_KEY. A list
    # allows rotation: the first key encrypts, all of them decrypt.
    "ENCRYPTION_KEY": None,
    # Consumer secret used to answer CRC challenges and verify webhook signatures.
    "WEBHOOK_CONSUMER_SECRET": "",
    # Largest webhook body accepted (bytes); X's deliveries are a few kB. Larger answers 413.
    "WEBHOOK_MAX_BODY_BYTES": 1_048_576,
    # An account whose webhook delivered within this many seconds polls only every
    # WEBHOOK_POLL_INTERVAL_SECONDS (never beyond what X's mention window allows); when
    # deliveries stop for longer, polling returns to its normal pace.
    "WEBHOOK_LIVE_SECONDS": 600,
    "WEBHOOK_POLL_INTERVAL_SECONDS": 600,
    # --- Sync ---------------------------------------------------------------------------------
    "SYNC_INTERVAL_SECONDS": 60,
    "SYNC_MIN_INTERVAL_SECONDS": 15,
    "SYNC_MAX_INTERVAL_SECONDS": 900,
    "MENTIONS_WINDOW": 800,  # X's mentions timeline reaches only the latest 800 mentions.
    "DM_LOOKBACK_DAYS": 30,  # X's DM lookup reaches only 30 days back.
    "MAX_PAGES_PER_SYNC": 50,
    "SYNC_BACKFILL_DAYS": 7,  # how far back the first sync of an account reads mentions and own posts.
    # --- Cost governor (USD, X pay-per-use price table as documented in 2026) ------------------
    "PRICES": {
        "owned_read": "0.001",
        "post_read": "0.005",
        "user_read": "0.010",
        "dm_event_read": "0.010",
        "post_create": "0.015",
        "dm_create": "0.015",
        "reply_to_mention": "0.010",
        "post_with_url": "0.200",
        # X Activity API events other than posts and DMs (those are billed as post/DM event reads).
        "activity_event": "0.005",
    },
    "MONTHLY_POST_READ_CAP": 0,  # 0 = no cap configured.
    "BUDGET_SLOWDOWN_RATIO": 0.8,  # share of the monthly budget past which polling slows.
    # --- Matching messages to orders -----------------------------------------------------------
    # Regexes per store ("*" applies to every store). The first group (or whole match) is the
    # number looked up in Order.order_number / Order.tracking_number.
    "ORDER_NUMBER_PATTERNS": {
        "*": [
            # 40001234, #40001234, AB-123456
            r"(?<![\w-])#?((?:[A-Z]{2,5}-)?\d{6,12})(?![\w-])",
            # Marketplace numbers in dashed groups: 112-3456789-1234567 (3-7-7), D01-1234567-1234567.
            r"(?<![\w-])((?:\d{3}|(?-i:[A-Z])\d{2})-\d{7}-\d{7})(?![\w-])",
            # Date-based numbers: 20240702-0158.
            r"(?<![\w-])((?:19|20)\d{6}-\d{3,6})(?![\w-])",
            # Letter-prefixed after "#": #A12345, #SO123456.
            r"(?<![\w#])#((?-i:[A-Z]{1,3})\d{5,12})(?![\w-])",
            # Store-prefixed with 4–5 digits: ES-80215, №RU-55310 (order matching reads "№" as "#"; the
            # "No" look-behind keeps NFKC-folded text working too); not a year (FY-2024) nor a standard
            # or product code (ISO-9001, RTX-4090).
            r"(?:(?<![\w-])|(?<=(?-i:No)))(?!(?-i:ISO|DIN|IEC|RTX|GTX|DDR|MIL|CVE|SKU)-)"
            r"((?-i:[A-Z]{2,5})-(?!(?:19|20)\d\d(?![\w-]))\d{4,5})(?![\w-])",
        ],
    },
    "TRACKING_NUMBER_PATTERNS": [
        r"\b([A-Z]{2}\d{9}[A-Z]{2})\b",  # UPU S10 (postal services)
        r"\b(1Z[0-9A-Z]{16})\b",  # UPS
        r"\b(\d{12}|\d{15}|\d{20,22})\b",  # FedEx / USPS / DHL eCommerce
        r"\b((?:YT|LP|SF|JD)\d{10,16})\b",  # Yanwen, Cainiao, SF Express, JD
    ],
    # --- Workflow -------------------------------------------------------------------------------
    "CASE_REFERENCE_PREFIX": "CS",
    "REOPEN_WINDOW_DAYS": 14,
    "MAX_OPEN_CASES_PER_AGENT": 25,
    "SLA_PAUSE_WHEN_AWAITING_CUSTOMER": True,
    # Minutes, per priority; SlaPolicy rows edited in the admin win over these.
    "SLA_DEFAULTS": {
        "urgent": {"first_response": 30, "next_response": 60, "resolution": 24 * 60},
        "high": {"first_response": 60, "next_response": 4 * 60, "resolution": 48 * 60},
        "normal": {"first_response": 4 * 60, "next_response": 8 * 60, "resolution": 72 * 60},
        "low": {"first_response": 8 * 60, "next_response": 24 * 60, "resolution": 7 * 24 * 60},
    },
    "ESCALATION": {
        "REACH_FOLLOWERS": 10_000,
        "REACH_ENGAGEMENT": 200,
        "EXECUTIVE_MENTION_LEVEL": 2,
        "SLA_BREACH_LEVEL": 1,
        "PROMISE_MISSED_LEVEL": 2,
        "PUBLIC_NUDGE_LEVEL": 1,
        # One level per kind of risk signal (0 turns that kind's rule off).
        "RISK_CHARGEBACK_LEVEL": 2,
        "RISK_PAYMENT_DISPUTE_LEVEL": 2,
        "RISK_PLATFORM_CLAIM_LEVEL": 2,
        "RISK_LEGAL_LEVEL": 3,
        "RISK_REGULATOR_LEVEL": 3,
        "RISK_PRESS_LEVEL": 2,
        "REACH_LEVEL": 1,
    },
    "PRIORITY_WEIGHTS": {
        "followers_per_point": 1000,
        "max_reach_points": 30,
        "engagement_per_point": 20,
        "age_hours_per_point": 4,
        "repeat_contact": 5,
        "public_nudge": 15,
        "risk_words": 25,
        "vip": 20,
    },
    # Score cut-offs for the automatic priority (below "high" a case is "normal").
    "PRIORITY_THRESHOLDS": {"urgent": 60, "high": 30},
    # "calendar": SLA minutes run around the clock; "working_hours": only during the case
    # team's working hours, in the team's time zone.
    "SLA_CLOCK": "calendar",
    "SATISFACTION_SURVEY": True,
    "NOTIFY_BY_EMAIL": True,
    # --- Outbound --------------------------------------------------------------------------------
    "TWEET_MAX_WEIGHTED_LENGTH": 280,
    "DM_MAX_LENGTH": 10_000,
    "OUTBOUND_MAX_ATTEMPTS": 8,
    "OUTBOUND_BACKOFF_SECONDS": 30,
    "OUTBOUND_MAX_BACKOFF_SECONDS": 3600,
    # A message left "sending" longer than this (its worker died) is queued again, marked ambiguous.
    "OUTBOUND_CLAIM_TIMEOUT_SECONDS": 300,
    "AGENT_SIGNATURE": "^{initials}",
    # --- Reading messages (crm_twitter.classify) -------------------------------------------------
    # Languages the detector chooses among (ISO 639-1) for DMs and tweets X labels "und". Fewer
    # candidates means fewer confusions on short texts; add the languages your customers write.
    "LANGUAGE_DETECTION_LANGUAGES": [
        "en",
        "zh",
        "es",
        "de",
        "fr",
        "ja",
        "pt",
        "ru",
        "ko",
        "ar",
        "it",
        "nl",
        "tr",
        "pl",
    ],
    # Class path of the category classifier backend (see docs/classifier.md for the interface).
    "CATEGORY_CLASSIFIER_BACKEND": "crm_twitter.classify.backends.TfidfLogisticBackend",
    # The model a new desk starts with; None is the one shipped inside the app.
    "CATEGORY_MODEL_PATH": None,
    # Inbound pages leave category suggestions to the sync/webhook task once committed (ingest keeps
    # its pace; a schedule catches up every minute); False suggests at once, in the page's transaction.
    "CATEGORY_SUGGEST_IN_BACKGROUND": True,
    # Below this confidence (0–1) the desk makes no suggestion rather than a likely wrong one.
    "CATEGORY_MIN_CONFIDENCE": 0.2,
    # Retrain when this many categories confirmed or changed by agents arrived since the last model.
    "CATEGORY_RETRAIN_MIN_NEW_LABELS": 200,
    # One desk label in this many is held apart to judge new models (never trained on).
    "CATEGORY_HOLDOUT_EVERY": 5,
    # --- Incidents: surges of the same complaint (services/incident_detection.py, docs/incidents.md) -----
    "INCIDENT_DETECTION_ENABLED": True,
    # Sliding windows (hours) compared with the same hours of the previous weeks.
    "INCIDENT_WINDOWS_HOURS": [1, 6, 24],
    # How many previous weeks make the baseline (their mean); an account with less history uses the floor.
    "INCIDENT_BASELINE_WEEKS": 4,
    # Fewer distinct customers than this never open an incident, however unusual.
    "INCIDENT_MIN_CUSTOMERS": 10,
    # The least expected rate (customers per hour) the test assumes: quiet keys and new desks.
    "INCIDENT_FLOOR_PER_HOUR": 0.5,
    # A count surges when P(X >= count) under Poisson(expected) is below this.
    "INCIDENT_P_VALUE": 0.0001,
    # A suggested (unconfirmed) category counts as the case's category from this confidence (0–1).
    "INCIDENT_CATEGORY_MIN_CONFIDENCE": 0.6,
    # --- Reports ---------------------------------------------------------------------------------
    "TIME_ZONE": "UTC",  # the merchant's time zone: month boundaries, report schedule.
    "REPORTING_CURRENCY": "USD",
    "REPORT_DAY": 1,
    "REPORT_HOUR": 6,
    "REPORT_RECIPIENTS": [],
    # --- Media archive and evidence packs (docs/evidence.md) ---------------------------------------
    # Download every photo, GIF and video of inbound messages soon after ingest.
    "MEDIA_ARCHIVE": True,
    # The only hosts media is fetched from, over HTTPS, never when they resolve to an internal address.
    "MEDIA_HOSTS": ["pbs.twimg.com", "video.twimg.com", "ton.twitter.com"],
    # "host:port" entries also fetched over plain HTTP and on loopback: ONLY the X sandbox in tests and
    # the demo (e.g. ["127.0.0.1:8765"]). Never set in production (check crm_twitter.W171).
    "MEDIA_INSECURE_HOSTS": [],
    "MEDIA_MAX_BYTES": 64 * 1024 * 1024,
    "MEDIA_TIMEOUT_SECONDS": 20.0,
    "MEDIA_MAX_ATTEMPTS": 6,
    "MEDIA_BACKOFF_SECONDS": 60,  # doubles per failed attempt, up to MEDIA_MAX_BACKOFF_SECONDS
    "MEDIA_MAX_BACKOFF_SECONDS": 6 * 3600,
    "MEDIA_ARCHIVE_BATCH": 200,  # media per archive task run
    "MEDIA_ARCHIVE_THREADS": 4,  # parallel downloads within one task run
    # The STORAGES alias the archive and the packs are written to ("default": MEDIA_ROOT, or S3
    # through django-storages).
    "MEDIA_STORAGE": "default",
    # Ed25519 private key signing evidence-pack manifests: PEM, or 32 bytes base64. None derives
    # one from SECRET_KEY (check crm_twitter.W172 asks for a real one in production).
    "EVIDENCE_SIGNING_KEY": None,
    # --- Inbox and API -----------------------------------------------------------------------------
    "INBOX_PAGE_SIZE": 50,
    "API_PAGE_SIZE": 50,
    "API_BULK_MAX_ROWS": 5000,
    # Body size limit of POST /api/v1/orders/bulk/ (other endpoints use DATA_UPLOAD_MAX_MEMORY_SIZE).
    "API_BULK_MAX_BYTES": 20 * 1024 * 1024,
    "API_THROTTLE_RATE": "1200/minute",
}

NESTED = {"PRICES", "SLA_DEFAULTS", "ESCALATION", "PRIORITY_WEIGHTS", "ORDER_NUMBER_PATTERNS", "PRIORITY_THRESHOLDS"}


class AppSettings:
    """Lazy view over ``settings.CRM_TWITTER`` merged onto ``DEFAULTS``."""

    def user_settings(self) -> dict[str, Any]:
        return getattr(django_settings, "CRM_TWITTER", None) or {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown crm_twitter setting: {name}")
        user = self.user_settings()
        default = DEFAULTS[name]
        if name not in user:
            return default
        value = user[name]
        if name in NESTED and isinstance(value, dict) and isinstance(default, dict):
            return {**default, **value}
        return value

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DEFAULTS}


app_settings = AppSettings()
