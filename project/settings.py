"""Settings for running crm_twitter standalone (demo, development, tests, production).

Every value that differs between machines comes from the environment, so the same file serves
`make run` on a laptop (SQLite, ORM broker) and a production fleet (PostgreSQL, Redis broker,
several workers). See the settings table in README.md.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

from crm_twitter.csp import csp_policy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CRM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug-mode"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(for local use, run with DEBUG=1 or use `make run`)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "django_q",
    "crm_twitter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy (SECURE_CSP below): Django's own from 6.0, the app's backport before.
    "django.middleware.csp.ContentSecurityPolicyMiddleware"
    if django.VERSION >= (6, 0)
    else "crm_twitter.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the signed-in user's chosen language wins over the browser's.
    "crm_twitter.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "project.wsgi.application"

if not os.environ.get("DATABASE_URL"):
    # The default SQLite file lives in var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'crm_twitter.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app and the django-q2 worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes) on /accounts/login/ and /admin/login/: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused —
# the right password too — for LOGIN_LOCKOUT_MINUTES (each new try restarts the wait), or until a
# supervisor unlocks it in the admin (Sign-in lockouts). Counting per username *and* address means
# guessing from one machine stops after a few tries while nobody can lock a colleague out from
# elsewhere; a successful sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "project.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "project.signin.client_ip"
# Reverse proxies in front of the app that append to X-Forwarded-For (nginx, a load balancer):
# failed sign-ins are counted against the address the outermost of them saw. 0 = the socket's.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm_twitter_inbox:queue"
LOGOUT_REDIRECT_URL = "login"

_EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Where the file-based backend (`make run` uses it) writes one file per batch of e-mails.
_EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
if django.VERSION >= (6, 1):  # Django 6.1 replaces the EMAIL_* settings with MAILERS (removed in 7.0)
    _MAILER_OPTIONS = {"file_path": _EMAIL_FILE_PATH} if _EMAIL_BACKEND.endswith(".filebased.EmailBackend") else {}
    MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _MAILER_OPTIONS}}
else:
    EMAIL_BACKEND = _EMAIL_BACKEND
    EMAIL_FILE_PATH = _EMAIL_FILE_PATH
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "crm-twitter@localhost")

# Behind a TLS-terminating proxy (nginx, a load balancer) set SECURE_PROXY_SSL_HEADER=1 so
# request.is_secure() believes X-Forwarded-Proto — only when the proxy overwrites that header,
# otherwise any client could claim HTTPS.
if env_bool("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # Off by default: without SECURE_PROXY_SSL_HEADER behind a proxy, a redirect would loop.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

REDIS_URL = os.environ.get("REDIS_URL", "")

# django-q2 reads Q_CLUSTER once at import time, so the broker choice is made here, up front.
Q_CLUSTER = {
    "name": os.environ.get("Q_CLUSTER_NAME", "crm_twitter"),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    # A sync task fills its scheduler tick (a minute) with polls when an account is busy, and its
    # last poll may start just before the tick ends; a poll that reads a backlog can take a minute
    # or two more. The worker is killed past `timeout` (sync is safe to kill: cursors move only
    # after commits). django-q2 re-delivers a task not acknowledged within `retry`, so it must be
    # longer than `timeout` or a running task would be handed to a second worker.
    "timeout": 240,
    "retry": 300,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "label": "Task queue",
    "sync": env_bool("Q_SYNC", False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "crm_twitter_cache",
        }
    }

# No REST_FRAMEWORK or SPECTACULAR_SETTINGS: crm_twitter's API views carry their own DRF policy and
# schema settings, so this project runs it exactly as a host project with DRF's defaults would.
# The one exception: drf-spectacular's own `check --deploy` generates a schema from the global
# settings, not crm_twitter's (ApiSchemaView.custom_settings), and so warns (drf_spectacular.W001)
# about enum names the served schema does not have; tests/api/test_schema.py checks the real one.
SPECTACULAR_SETTINGS = {"ENABLE_DJANGO_DEPLOY_CHECK": False}

CRM_TWITTER = {
    "API_BASE_URL": os.environ.get("CRM_TWITTER_API_BASE_URL", "https://api.x.com"),
    "TIME_ZONE": os.environ.get("CRM_TWITTER_TIME_ZONE", TIME_ZONE),
}
if os.environ.get("CRM_TWITTER_ENCRYPTION_KEY"):
    CRM_TWITTER["ENCRYPTION_KEY"] = os.environ["CRM_TWITTER_ENCRYPTION_KEY"]
# The media archive fetches X's media hosts only, over HTTPS. The demo's X sandbox serves media on
# loopback over plain HTTP, so `make run` names its address here; never set in production (W171).
if os.environ.get("CRM_TWITTER_MEDIA_INSECURE_HOSTS"):
    CRM_TWITTER["MEDIA_INSECURE_HOSTS"] = os.environ["CRM_TWITTER_MEDIA_INSECURE_HOSTS"].split(",")
if os.environ.get("CRM_TWITTER_EVIDENCE_SIGNING_KEY"):  # PEM or base64; see docs/evidence.md
    CRM_TWITTER["EVIDENCE_SIGNING_KEY"] = os.environ["CRM_TWITTER_EVIDENCE_SIGNING_KEY"]

# What the inbox, admin, reports and API docs work under: scripts only from our static files (no
# inline script, no eval), images also from X's media hosts (or the sandbox's). crm_twitter/csp.py.
SECURE_CSP = csp_policy(api_base_url=CRM_TWITTER["API_BASE_URL"])
if os.environ.get("CRM_TWITTER_WEBHOOK_SECRET"):
    CRM_TWITTER["WEBHOOK_CONSUMER_SECRET"] = os.environ["CRM_TWITTER_WEBHOOK_SECRET"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "crm_twitter": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}
