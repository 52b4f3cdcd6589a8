"""Settings for trafficking_training, read from the environment.

With nothing set, the embedded default runs: SQLite at var/db.sqlite3, Celery's broker
on SQLite at var/celery-broker.sqlite3, and email to var/mail/ with a line on the console.
Every variable is declared once, with its type, default and meaning, in
trafficking_training/configuration.py (docs/configuration.md is generated from it).
"""

import ipaddress
import re
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from trafficking_training import configuration
from trafficking_training.logs import formatter_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def _fail(message: str) -> None:
    """Stop start-up with one line that names the variable, not a traceback."""
    sys.stderr.write(f"Configuration error: {message}\n")
    raise SystemExit(2)


def _read(name: str, **kwargs):
    """Read one variable declared in configuration.py, with its type and default there.

    A default worked out here from other values (COMPUTED in the list) is passed as
    default=. A name the list does not declare is refused, so that no variable goes
    undocumented; a malformed value fails start-up with a clear line.
    """
    variable = configuration.declared(name)
    if "default" not in kwargs:
        if variable.default is configuration.COMPUTED:
            raise LookupError(f"{name}: its default is computed in settings.py; pass default=")
        kwargs["default"] = variable.default
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return getattr(env, variable.kind)(name, **kwargs)
    except (ImproperlyConfigured, ValueError, TypeError) as exc:
        _fail(f"{name} is invalid ({exc}).")


# The embedded default's state (database, broker, cache, mail copies, media): var/ beside
# the code. `make soak` and the tests of `make run`'s processes point it at a folder of
# their own, so that they never touch a developer's.
VAR_DIR = Path(_read("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()


DJANGO_ENV = _read("DJANGO_ENV")
if DJANGO_ENV not in {"development", "production", "test"}:
    _fail("DJANGO_ENV must be one of development, production, test.")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    if not _read("SECRET_KEY", default=""):
        _fail("SECRET_KEY is required when DJANGO_ENV=production.")
    if not _read("ALLOWED_HOSTS", default=[]):
        _fail("ALLOWED_HOSTS is required when DJANGO_ENV=production.")

SECRET_KEY = _read("SECRET_KEY")
DEBUG = False if PRODUCTION else _read("DEBUG", default=DJANGO_ENV == "development")
ALLOWED_HOSTS = _read(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = _read("CSRF_TRUSTED_ORIGINS")
SITE_URL = _read("SITE_URL").rstrip("/")


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name
    return address.is_loopback or address.is_unspecified


if PRODUCTION:
    # Certificates print SITE_URL into their QR codes, and a printed code is
    # permanent: production needs the public address, never a default or localhost.
    _site = urlsplit(_read("SITE_URL", default=""))
    if _site.scheme not in {"http", "https"} or not _site.hostname:
        _fail(
            "SITE_URL is required when DJANGO_ENV=production (e.g. https://trainings.example.org)."
        )
    if _is_local(_site.hostname):
        _fail(f"SITE_URL points at {_site.hostname}; production needs the site's public address.")
ADMIN_PATH = _read("ADMIN_PATH").strip("/") + "/"
if not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*/", ADMIN_PATH):
    _fail("ADMIN_PATH must be a path like admin/ or backoffice-7f3a/.")

INSTALLED_APPS = [
    # Django's admin with the organizer home as its index (trafficking_training/apps.py).
    "trafficking_training.apps.OrganizerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "django_ratelimit",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "accounts",
    "events",
]

MIDDLEWARE = [
    # First: a load balancer's probe asks by IP address over plain HTTP.
    "trafficking_training.middleware.HealthCheckMiddleware",
    # Before anything that can answer (CommonMiddleware, the rate limits), so that every
    # API answer, a 429 included, carries the CORS headers a partner's page needs.
    "corsheaders.middleware.CorsMiddleware",
    # HTML and other text answers compressed when the client accepts gzip; above every
    # middleware that reads or writes an answer's body.
    "trafficking_training.middleware.CompressTextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads request.POST, so an oversized body gets the 413 page.
    "trafficking_training.middleware.RequestTooBigMiddleware",
    "trafficking_training.middleware.StripNullCharactersMiddleware",
    # Before the session and CSRF middleware, so that it has the last word on the
    # cookies of the views that set none (the embed, the feed, the API).
    "trafficking_training.middleware.CookielessMiddleware",
    # Above StoredPageMiddleware, whose answers need them: X-Frame-Options, and the
    # CSRF cookie that matches the token filled into a stored page's form (cookie-based
    # CSRF, so it needs no session).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Stored public pages for visitors with no session cookie, before the middleware
    # below, which such a page does not need (events/views/page_cache.py).
    "events.views.page_cache.StoredPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trafficking_training.middleware.RateLimitMiddleware",
    # A session lock not granted within SESSION_LOCK_TIMEOUT, or a database that is
    # away, gets a 503 page.
    "trafficking_training.middleware.ServiceUnavailableMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trafficking_training.urls"
WSGI_APPLICATION = "trafficking_training.wsgi.application"

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
                "events.views.page_cache.csrf_placeholder",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": _read("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    _fail("DATABASE_URL must start with postgres:// or sqlite:///.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks instead of failing, and
    # take the write lock at BEGIN so that read-then-write transactions serialize.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", _read("CONN_MAX_AGE"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A server that does not accept within this long counts as away (the 503 page),
    # instead of holding the request until gunicorn's timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery broker ------------------------------------------------
REDIS_URL = _read("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    _fail("REDIS_URL must start with redis://, rediss:// or unix://.")
# Redis is an accelerator, never a single point of failure: a command it does not answer
# within this many seconds (stopped, hung, or a network partition) counts as a cache miss
# or a failed publish, and the page, form or task goes on without it.
REDIS_TIMEOUT_SECONDS = _read("REDIS_TIMEOUT_SECONDS")
REDIS_CACHE_OPTIONS = {
    "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS,
    "SOCKET_TIMEOUT": REDIS_TIMEOUT_SECONDS,
    # django-redis answers a connection error as a miss (get: the default, get_many:
    # {}, add/set: None) and logs it, instead of raising into the page.
    "IGNORE_EXCEPTIONS": True,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tt",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "trafficking_training.cache"
else:
    # A file cache is shared by every process on one machine, which the embedded
    # default needs for rate limits counted across gunicorn workers.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Rendered template fragments (session cards, crispy forms). Their keys carry the
# data they show, so each process may keep its own copy: a local cache answers in
# microseconds where Redis costs a round trip.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
# Whole public pages for anonymous visitors (events/views/page_cache.py), per process too:
# their keys carry a version from the shared cache. At ~30 KB a page, 500 entries
# bound each process's copy to about 15 MB.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

# A hung Redis accepts connections and never answers: without these a publish after
# commit would hold its request (and a web thread) for seconds or for ever. The
# worker's own BRPOP is watched by kombu's health check instead. A publish with
# retry=False still reconnects first, for 4 s by default: connect_retries_timeout and
# the intervals bound that to about a second.
_BROKER_TIMEOUT = max(REDIS_TIMEOUT_SECONDS, 1.0)
REDIS_BROKER_TIMEOUTS = {
    "socket_timeout": _BROKER_TIMEOUT,
    "socket_connect_timeout": _BROKER_TIMEOUT,
    "connect_retries_timeout": _BROKER_TIMEOUT,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# The embedded default's broker: kombu's SQLAlchemy transport on a SQLite file. A worker
# takes a message inside a transaction (BEGIN IMMEDIATE), so it never reads one that is
# half-written, as the filesystem transport could (JSONDecodeError, and the worker died).
# bench/bench_broker.py measured it against the filesystem transport (bench/RESULTS.md).
# It polls each queue once a second (kombu's default; the transport hands every option to
# SQLAlchemy's create_engine, so polling_interval cannot be set here).
CELERY_BROKER_URL = _read(
    "CELERY_BROKER_URL",
    default=REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}",
)
if not CELERY_BROKER_URL.startswith(("sqla+sqlite:///", "redis://", "rediss://", "amqp://")):
    _fail("CELERY_BROKER_URL must start with redis://, amqp:// or sqla+sqlite:///.")
if CELERY_BROKER_URL.startswith("sqla+"):
    # Web, worker and beat write to the one file; a writer waits up to 30 s for another's
    # transaction (SQLite's own default, 5 s, is short on a loaded 2-core machine) before
    # kombu sees "database is locked" as a lost connection and reconnects.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
else:
    # A message unacknowledged this long is redelivered. It must outlast the
    # longest task (CELERY_TASK_TIME_LIMIT) and the longest retry wait
    # (NOTIFICATION_RETRY_MAX_SECONDS) or a task would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        CELERY_BROKER_TRANSPORT_OPTIONS |= REDIS_BROKER_TIMEOUTS
CELERY_TASK_ALWAYS_EAGER = _read("CELERY_TASK_ALWAYS_EAGER")
CELERY_WORKER_CONCURRENCY = _read("CELERY_WORKER_CONCURRENCY")
# Celery reads every CELERY_* setting from here (trafficking_training/celery.py), so
# override_settings(CELERY_...) reaches it in tests.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
# Email and PDF work each have a queue, so that a certificate run never delays a
# confirmation and each can get its own workers (docs/operators.md, "Scaling out").
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("email"), Queue("pdf"))
CELERY_TASK_ROUTES = {
    "events.send_notification": {"queue": "email"},
    "events.send_notifications": {"queue": "email"},
    "events.issue_certificate": {"queue": "pdf"},
    "events.issue_session_certificates": {"queue": "pdf"},
    "events.run_certificate_issuance": {"queue": "pdf"},
}
# One message at a time per process. The send tasks are acks_late, so a message
# stays unacknowledged while it runs: with prefetch 1 a process holds only the batch
# it is sending, a slow SMTP server never strands prefetched batches behind it, and
# a killed worker leaves at most one batch per process to be redelivered (and its
# rows to the requeue scan). The Redis visibility_timeout (above, 3600 s) outlasts
# the longest task (600 s) and the longest retry backoff (1800 s), so no message is
# redelivered while its task is still running or waiting for its ETA.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Email -------------------------------------------------------------------
EMAIL_URL = _read("EMAIL_URL")
if EMAIL_URL:
    if not EMAIL_URL.startswith(("smtp://", "smtps://", "smtp+tls://", "smtp+ssl://")):
        _fail("EMAIL_URL must start with smtp://, smtps:// or smtp+tls://.")
    vars().update(env.email_url_config(EMAIL_URL))
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "trafficking_training.mail.ConsoleAndFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = _read("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalization ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's date and time formats (named formats such as LONG_DATE_FORMAT, used as
# {{ starts|date:"LONG_DATE_FORMAT" }}): "Tuesday, December 22, 2026" in English,
# "martes, 22 de diciembre de 2026" in Spanish. Every language in LANGUAGES has a module.
FORMAT_MODULE_PATH = ["trafficking_training.formats"]
# The language a visitor picks with the switcher is kept in Django's language cookie for a
# year, so a return visit opens in it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = _read("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # collectstatic writes gzip and brotli copies beside each file; production's
        # names carry a hash of the content, so they can be cached for good.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}

# Tests and runserver serve straight from the app and static/ folders. `make run` collects
# the files first (compressed copies included) and serves that collection:
# STATIC_FINDERS=False, as in production.
WHITENOISE_USE_FINDERS = _read("STATIC_FINDERS", default=not PRODUCTION)
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Bodies larger than this are refused with the 413 page before they reach a form
# (trafficking_training.middleware.RequestTooBigMiddleware). Our largest form is a
# few kilobytes; the admin's bulk actions stay far below 256 KiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = _read("DATA_UPLOAD_MAX_MEMORY_SIZE")
# Django's default: an admin action on a whole roster page posts one field per row.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Security ---------------------------------------------------------------
# Sessions are written to the database and read through the cache: a signed-in page
# costs one query fewer, and a cache flush loses no session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "trafficking_training.views.csrf_failure"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT")
    SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# Content-Security-Policy (django-csp 4). No inline script or style anywhere: every
# page loads its JavaScript and CSS from /static/. Bootstrap's CSS embeds its icons
# as data: URIs, hence img-src data:. CSP_REPORT_ONLY=True sends the same policy as
# Content-Security-Policy-Report-Only, to try a change on a live site first.
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
_CSP_REPORT_URI = _read("CSP_REPORT_URI")
if _CSP_REPORT_URI:
    _CSP_DIRECTIVES["report-uri"] = [_CSP_REPORT_URI]
if _read("CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

# Partner sites that may show the embeddable session list (/embed/sessions/) in an
# iframe: its frame-ancestors, and that page's only (events/views/feeds.py). Origins,
# comma-separated: https://school.example.org,https://library.example.org. Empty:
# nobody, like every other page. Each one goes into a CSP header, so anything but a
# plain http(s) origin fails start-up.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")
EMBED_ALLOWED_ORIGINS = [
    origin.strip().removesuffix("/")
    for origin in _read("EMBED_ALLOWED_ORIGINS").split(",")
    if origin.strip()
]
for _origin in EMBED_ALLOWED_ORIGINS:
    if not _ORIGIN.fullmatch(_origin):
        _fail(
            f"EMBED_ALLOWED_ORIGINS: {_origin[:80]!r} is not an origin; use a scheme and "
            "host with no path, like https://school.example.org."
        )

# Client address. Behind N reverse proxies that each append to X-Forwarded-For, the
# client is the Nth address from the right; the left part can be forged by anyone.
TRUSTED_PROXY_COUNT = _read("TRUSTED_PROXY_COUNT")

# --- Login brute force (django-axes) ---------------------------------------
# A failed login counts against the (email, address) pair: an attacker cannot lock a
# person out from everywhere, and colleagues behind one office address do not lock
# each other out. Lockouts end by themselves after the cool-off.
AUTHENTICATION_BACKENDS = [
    "trafficking_training.axes_backend.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = _read("AXES_ENABLED")
AXES_FAILURE_LIMIT = _read("AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=_read("AXES_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "trafficking_training.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "trafficking_training.ratelimits.client_ip"
AXES_USERNAME_CALLABLE = "trafficking_training.axes_backend.login_username"
# Failed attempts only: a row per successful login would be a log of who uses the site.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2"]

# --- Rate limits (django-ratelimit, applied by RateLimitMiddleware) --------------
# Per client address, "<count>/<period>" with period s, m, h or d; an empty value
# turns that limit off, and RATELIMIT_ENABLE=False turns them all off (load tests).
# Counts live in the default cache: Redis when REDIS_URL is set, shared by every
# web process and machine.
RATELIMIT_ENABLE = _read("RATELIMIT_ENABLE")
RATELIMIT_USE_CACHE = "default"
# When the counters' store does not answer (Redis down or hung), the limits are not
# applied, rather than refusing every form with a 429: django-redis logs each miss
# (logger trafficking_training.cache), and logins stay guarded by django-axes, which
# counts failures in the database. docs/operations.md, "Rate limits when their store is away".
RATELIMIT_FAIL_OPEN = True
RATELIMIT_IP_META_KEY = "trafficking_training.ratelimits.client_ip"
RATELIMIT_RATES = {
    "register": _read("RATELIMIT_REGISTER"),
    "resend": _read("RATELIMIT_RESEND"),
    "lookup": _read("RATELIMIT_LOOKUP"),
    "signup": _read("RATELIMIT_SIGNUP"),
    "password_reset": _read("RATELIMIT_PASSWORD_RESET"),
    "login": _read("RATELIMIT_LOGIN"),
    "erase": _read("RATELIMIT_ERASE"),
    "manage": _read("RATELIMIT_MANAGE"),
    "api": _read("RATELIMIT_API"),
}
SILENCED_SYSTEM_CHECKS = []
if not REDIS_URL and not PRODUCTION:
    # The embedded default counts in the file cache: shared by every process on the
    # machine, though increments can race and undercount a little. Good enough for
    # one machine; production without REDIS_URL keeps the error as a reminder.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Public API (/api/v1/, events/views/api.py) ----------------------------------
# Read-only public data for partner sites: no authentication, so no session or CSRF
# cookie; JSON only. The rate limit is RateLimitMiddleware's "api" rule above.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Times as ISO 8601 with the offset of the zone they are given in.
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trafficking awareness trainings API",
    "DESCRIPTION": (
        "Read-only public data about the trainings and their published sessions, for "
        "partner sites. No registrant data is ever part of it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar, served from /static/: the
    # site's CSP allows scripts from 'self' only, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    # The schema lists the sectors and trainings of the moment, so building it reads the
    # database, which `check --deploy` must not need (it runs before migrate). Tests build
    # and validate it instead (tests/test_api.py), and CI runs schemathesis against it.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}
# django-cors-headers: any site may read the API from a browser, with GET only and
# never with cookies. Nothing outside /api/ gets CORS headers.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

# --- Domain settings ----------------------------------------------------------
# Registrant data is anonymized this many months after a session ends.
RETENTION_MONTHS = _read("RETENTION_MONTHS")
if RETENTION_MONTHS < 1:
    _fail("RETENTION_MONTHS must be at least 1.")
# The door's check-in window: from this long before the start until this long after
# the end (minutes). Outside it, attendance needs an organizer's reason
# (events/selectors/checkin.py: checkin_window).
CHECKIN_OPENS_BEFORE_MINUTES = _read("CHECKIN_OPENS_BEFORE_MINUTES")
CHECKIN_GRACE_MINUTES = _read("CHECKIN_GRACE_MINUTES")
if CHECKIN_OPENS_BEFORE_MINUTES < 0 or CHECKIN_GRACE_MINUTES < 0:
    _fail("CHECKIN_OPENS_BEFORE_MINUTES and CHECKIN_GRACE_MINUTES cannot be negative.")
# Beat runs the reminder scan this often (seconds).
REMINDER_SCAN_SECONDS = _read("REMINDER_SCAN_SECONDS")
# Seat offers near the day (events/services/offers.py).
OFFER_WINDOW_HOURS = _read("OFFER_WINDOW_HOURS")
OFFER_VALID_HOURS = _read("OFFER_VALID_HOURS")
# A mail relay that refuses or times out is retried for this long after the first
# failure (hours; mail servers themselves retry for days), then the row is failed.
NOTIFICATION_RETRY_HOURS = _read("NOTIFICATION_RETRY_HOURS")
# First retry waits about this long; each further retry doubles it (with jitter), up
# to NOTIFICATION_RETRY_MAX_SECONDS between two attempts.
NOTIFICATION_RETRY_BASE_SECONDS = _read("NOTIFICATION_RETRY_BASE_SECONDS")
NOTIFICATION_RETRY_MAX_SECONDS = _read("NOTIFICATION_RETRY_MAX_SECONDS")
if not 0 < NOTIFICATION_RETRY_MAX_SECONDS <= 3000:
    # A retry waits in the broker; past Redis' visibility_timeout (3600 s) it would
    # be delivered a second time.
    _fail("NOTIFICATION_RETRY_MAX_SECONDS must be between 1 and 3000.")
# A send claimed longer ago than this lost its worker, and the requeue scan hands it
# to another. Keep it above the send tasks' time limits, so a live send is never
# taken over.
NOTIFICATION_STALE_SECONDS = _read("NOTIFICATION_STALE_SECONDS")
# A queued row due this long ago and still not picked up lost its broker message
# (a publish during a Redis outage), and the scan enqueues it again. A duplicate
# message costs one UPDATE that claims nothing, so this can be short: with the scan
# every NOTIFICATION_SCAN_SECONDS, stranded rows go out within about 90 s of the
# broker's return.
NOTIFICATION_REQUEUE_AFTER_SECONDS = _read("NOTIFICATION_REQUEUE_AFTER_SECONDS")
NOTIFICATION_SCAN_SECONDS = _read("NOTIFICATION_SCAN_SECONDS")
# Emails sent per task over one SMTP connection.
NOTIFICATION_BATCH_SIZE = _read("NOTIFICATION_BATCH_SIZE")

CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {
        "task": "events.dispatch_due_reminders",
        "schedule": float(REMINDER_SCAN_SECONDS),
    },
    "issue-due-certificates": {"task": "events.issue_due_certificates", "schedule": 900.0},
    "resume-stalled-certificate-issuances": {
        "task": "events.resume_stalled_certificate_issuances",
        "schedule": 120.0,
    },
    # The post-evaluation goes out right after a session ends: scanned like reminders.
    "dispatch-due-evaluations": {
        "task": "events.dispatch_due_evaluations",
        "schedule": float(REMINDER_SCAN_SECONDS),
    },
    "requeue-stale-notifications": {
        "task": "events.requeue_stale_notifications",
        "schedule": NOTIFICATION_SCAN_SECONDS,
    },
    # Lapsed seat offers pass to the next person waiting; ended holds free their seats.
    "expire-seat-offers": {"task": "events.expire_seat_offers", "schedule": 60.0},
    "release-ended-seat-holds": {"task": "events.release_ended_seat_holds", "schedule": 60.0},
    "anonymize-expired-registrations": {
        "task": "events.anonymize_expired_registrations",
        "schedule": 86400.0,
    },
}
# Longest wait for a session's lock (seconds, PostgreSQL), then a 503 page that asks
# to retry after SESSION_BUSY_RETRY_AFTER seconds. pretix waits 3 s as well.
SESSION_LOCK_TIMEOUT = _read("SESSION_LOCK_TIMEOUT")
# At most this many requests of a process wait for session locks at once (events/services/
# locking.py): with gthread workers, the rest of the threads keep serving other pages.
SESSION_LOCK_WAITERS = _read("SESSION_LOCK_WAITERS")
if SESSION_LOCK_WAITERS < 1:
    _fail("SESSION_LOCK_WAITERS must be at least 1.")
SESSION_BUSY_RETRY_AFTER = 5
# --- Open Badges signing (events/documents/badge_keys.py) -----------------------
# The Ed25519 key that signs Open Badges credentials and the revocation status list:
# a PEM or a private JWK in BADGE_SIGNING_KEY, or a path in BADGE_SIGNING_KEY_FILE
# (`manage.py create_badge_key --output FILE` makes one). Never in the repository.
# Production refuses to sign without one (the check badges.E001 fails `check --deploy`
# and `migrate`); elsewhere a key is generated on first use into var/.
BADGE_SIGNING_KEY = _read("BADGE_SIGNING_KEY")
BADGE_SIGNING_KEY_FILE = _read("BADGE_SIGNING_KEY_FILE")
BADGE_DEV_KEY_FILE = VAR_DIR / "badge-signing-key.pem"
# Public keys of retired signing keys (PEM blocks, one after another), still published
# in did.json so that credentials signed before a rotation keep verifying.
BADGE_RETIRED_KEYS_FILE = _read("BADGE_RETIRED_KEYS_FILE")
# How long a served revocation status list may be reused (seconds).
BADGE_STATUS_LIST_SECONDS = _read("BADGE_STATUS_LIST_SECONDS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One time format and zone (UTC, ISO 8601) for web, worker and beat: gunicorn's
    # lines use it too (trafficking_training/gunicorn_conf.py), and Celery logs through
    # this dict (trafficking_training/celery.py).
    "formatters": {"plain": formatter_config()},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _read("LOG_LEVEL")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every login and logout at INFO; lockouts come at WARNING.
        "axes": {"level": "WARNING"},
    },
}
