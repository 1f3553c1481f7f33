"""Settings for the KCS knowledge platform.

Every value comes from an environment variable with a development default, so
`migrate && runserver` works on SQLite with nothing set. Production safety comes
from the variables (DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS), not
from a second settings file.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KCS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: a server started with nothing set must not show debug pages
# (every URL pattern, tracebacks) to the public. Development sets DJANGO_DEBUG=1.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Used only when DJANGO_DEBUG=1 is set explicitly; anything else needs a real key (below).
DEVELOPMENT_SECRET_KEY = "dev-insecure-kcs-knowledge-platform-key-change-me-0123456789"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. In production set it to a long random value, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, and keep it secret. "
        "For development set DJANGO_DEBUG=1 (uses a public development key). "
        "`manage.py` and `make run` use a random key of this checkout, kept in var/secret_key."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "kcs_site.admin_site.KcsAdminConfig",  # Django's admin, also open to KB owners for webhooks
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver leaves static files to WhiteNoise, as gunicorn does
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/v1/docs/, served from here (kcs_site/api_docs.py)
    "reversion",
    "accounts",
    "articles",
    "search",
    "notifications",
    "coaching",
    "health",
    "feedback",
    "training",
    "licences",
    "cases",
    "insights",
    "fixtures",
    "backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before CommonMiddleware: a load balancer probing by IP is not refused by ALLOWED_HOSTS.
    "kcs_site.healthz.HealthCheckMiddleware",
    "kcs_site.middleware.RefuseBadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: cookie (the switcher), then the browser's Accept-Language;
    # kcs_site.locale.AccountLanguageMiddleware puts the account's choice and the help centre's
    # /help/<language>/ addresses first.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After AuthenticationMiddleware: reads the account's language (kcs_site/locale.py).
    "kcs_site.locale.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kcs_site.middleware.RefusedMiddleware",
]

ROOT_URLCONF = "kcs_site.urls"
WSGI_APPLICATION = "kcs_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kcs_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.bell",
                "kcs_site.locale.switcher",
            ],
        },
    },
]

# SQLite under var/ by default; DATABASE_URL (e.g. postgres://user@host/db) for multi-node.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'kcs.sqlite3'}",
        # Reusing a worker's connection saves its setup on every request (PostgreSQL forks a
        # backend per connection: about 5 ms of its CPU, measured with bench/load.py).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# "home" sends staff to their dashboard and customers or partners to the help centre.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "help:index"

LANGUAGE_CODE = "en-gb"
# The interface languages (kcs_site/languages.py has the languages articles may be written in).
# Each app's text for them is in <app>/locale/<code>/LC_MESSAGES/django.po; `make messages`.
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch")]
# Each language's date formats (kcs_site/formats/), pages naming a format rather than a pattern.
FORMAT_MODULE_PATH = ["kcs_site.formats"]
LOCALE_PATHS = [BASE_DIR / "kcs_site" / "locale"]
LANGUAGE_COOKIE_NAME = "kcs_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "kcs_site" / "static"]

# Production hardening: on whenever DEBUG is off, overridable for a TLS-terminating proxy setup
# and for the local demo over plain HTTP (`make run` turns these off explicitly).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Serving: static files, error pages, health, logging ---------------------------------
# WhiteNoise serves what `collectstatic` put in STATIC_ROOT, with hashed names cached for a year
# (DEBUG=1 serves straight from the app folders instead).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A load balancer probes /healthz over plain HTTP inside the network (kcs_site/healthz.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz fails when an email or index update has waited longer than this (sender or worker stopped).
KCS_HEALTH_BACKLOG_MINUTES = env_int("KCS_HEALTH_BACKLOG_MINUTES", 15)
# KB owners hear of a query that found nothing this many times within 7 days (insights.alerts).
KCS_ZERO_RESULT_ALERT_COUNT = env_int("KCS_ZERO_RESULT_ALERT_COUNT", 5)
# A form that fails its CSRF check (e.g. a session that expired) gets the site's 403 page with a way on.
CSRF_FAILURE_VIEW = "kcs_site.errors.csrf_failure"

# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and fonts;
# no inline script or style anywhere (templates keep JS in static files and styles in site.css),
# so injected markup cannot run. Nobody may frame a page, except the views that opt in with
# kcs_site.framing.frameable_by_panel_origins (the agent panel inside a ticketing tool).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}
# Origins allowed to frame the agent panel, e.g. "https://support.example.com" (comma-separated).
KCS_PANEL_FRAME_ANCESTORS = env_list("KCS_PANEL_FRAME_ANCESTORS", "")
# Inside a ticketing tool's frame (another site) the browser sends the session and CSRF cookies
# only if they are SameSite=None, which it accepts only on Secure (HTTPS) cookies. So: None when
# the panel is framed and the cookies are Secure, else Lax (a same-site frame over plain HTTP, e.g.
# the local demo, works with Lax). docs/decisions/0009-agent-panel-sign-in.md
_PANEL_SAMESITE = "None" if KCS_PANEL_FRAME_ANCESTORS and SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE else "Lax"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = os.environ.get("DJANGO_COOKIE_SAMESITE", _PANEL_SAMESITE)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so that an unauthenticated API call gets 401 with a WWW-Authenticate header.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # kcs_site.parsers.JSONParser refuses over-deep JSON and NUL characters with a 400.
    "DEFAULT_PARSER_CLASSES": [
        "kcs_site.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    # Documents the error answers and paged lists of every operation (articles/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "articles.api_schema.ApiSchema",
    "EXCEPTION_HANDLER": "kcs_site.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KCS knowledge platform API",
    "DESCRIPTION": "Articles, decision authority, KCS workflow and versions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: read-only fields are not asked of clients, and a
    # field that takes an id but answers an object (an article's escalation contact) can say so.
    "COMPONENT_SPLIT_REQUEST": True,
    # What Django's path converters accept: a value outside them matches no URL (a 404).
    "PATH_CONVERTER_OVERRIDES": {
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        # An article's slug: letters and digits of any script (articles/slugs.py).
        "uslug": {"type": "string", "pattern": "^[-\\w]+$"},
        "int": {"type": "integer", "minimum": 0},
        "str": {"type": "string", "pattern": "^[^/]+$"},
    },
    "ENUM_NAME_OVERRIDES": {
        "StateEnum": "articles.models.State",
        "AudienceEnum": "articles.models.Audience",
        "GovernanceEnum": "articles.models.Governance",
        "DeciderEnum": "articles.models.Decider",
        "ReviewStatusEnum": "coaching.choices.Status",
        "PathItemStatusEnum": ["done", "check", "reread", "unread"],
        "CaseSourceEnum": "cases.choices.Source",
        "CaseStatusEnum": "cases.choices.Status",
        "RelationKindEnum": "articles.models.RelationKind",
    },
}

# JSON, and DRF's browsable pages with the inline styles their templates need (kcs_site/renderers.py).
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
    "rest_framework.renderers.JSONRenderer",
    "kcs_site.renderers.BrowsableAPIRenderer",
]

# Search (used by the search app): "whoosh" (embedded default) or "postgres".
KCS_SEARCH_BACKEND = os.environ.get("KCS_SEARCH_BACKEND", "whoosh")
KCS_SEARCH_INDEX_DIR = Path(os.environ.get("KCS_SEARCH_INDEX_DIR", VAR_DIR / "search-index"))
# A timer thread in each app process retries index updates put off by a busy index lock.
KCS_SEARCH_RETRY_IN_PROCESS = env_bool("KCS_SEARCH_RETRY_IN_PROCESS", True)
# Memory each process may use for decoded Whoosh posting lists (search/backends/whoosh_engine.py).
KCS_SEARCH_POSTINGS_CACHE_MB = env_int("KCS_SEARCH_POSTINGS_CACHE_MB", 128)
# Memory for each Whoosh rebuild process's posting pool before it spills to disk (10k articles:
# 85 s at 128 MB, 51 s at 512 MB on 2 cores).
KCS_SEARCH_REBUILD_MB = env_int("KCS_SEARCH_REBUILD_MB", 512)
# Matching by meaning (search/semantic.py): search also ranks articles by how close their title and
# summary are in meaning to the query, next to the keyword ranking. KCS_SEMANTIC=0 turns it off.
KCS_SEMANTIC = env_bool("KCS_SEMANTIC", True)
# Probable duplicate pairs (/duplicates/) are found daily by `send_notifications --loop`; the run
# takes minutes at 100,000 articles and mail waits meanwhile, so big sites set this to 0 and run
# `manage.py find_duplicates` from cron at night.
KCS_DUPLICATES_IN_LOOP = env_bool("KCS_DUPLICATES_IN_LOOP", True)
# "wordllama": the small static model shipped inside the wordllama package (nothing downloaded).
# Or the path of a folder holding an ONNX sentence-transformer (model.onnx and tokenizer.json),
# run with onnxruntime (pip install onnxruntime). Changing it re-embeds every article:
# run `manage.py check_index --repair` (or rebuild_index) after the change.
KCS_SEMANTIC_MODEL = os.environ.get("KCS_SEMANTIC_MODEL", "wordllama")
# "Related articles" on an article page: the nearest in meaning, none less similar than this
# (cosine, 0..1; with the packaged model, articles on one topic score about 0.6-0.9).
KCS_RELATED_MIN_SIMILARITY = env_float("KCS_RELATED_MIN_SIMILARITY", 0.55)

# Content health: a validated article is due for review this many days after validation.
KCS_REVIEW_AFTER_DAYS = env_int("KCS_REVIEW_AFTER_DAYS", 365)
# The most-used drafts queue (cases/drafts_queue.py): not-validated articles linked to at least
# this many cases now, so the drafts agents rely on most are validated first.
KCS_QUEUE_MIN_CASES = max(1, env_int("KCS_QUEUE_MIN_CASES", 3))
# Largest Markdown field (issue, environment, resolution, cause) that may be saved or imported,
# in characters, and largest sum of the four; longer stored text is shown as plain text.
# Rendering time grows with them: the worst input renders at about 0.9 ms per 1,000 characters
# (bench/markdown_render.py), so 150,000 in all keeps a page's first view under 200 ms.
KCS_MARKDOWN_MAX_CHARS = env_int("KCS_MARKDOWN_MAX_CHARS", 150_000)
KCS_MARKDOWN_MAX_ARTICLE_CHARS = env_int("KCS_MARKDOWN_MAX_ARTICLE_CHARS", 150_000)
# The largest form or JSON body read at all (Django's default is 2.5 MB). Well above the article
# limits, so that text pasted far over them still reaches the form or the API, which refuse it
# next to its field and give it back; beyond this a request gets the site's 400 page
# (kcs_site.middleware.RefuseBadInputMiddleware), before any view reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("KCS_MAX_REQUEST_BYTES", 8 * 1024 * 1024)
# Rows on each paged list of the pages (articles, help centre, flags, health, scores,
# notifications); the API pages by REST_FRAMEWORK["PAGE_SIZE"].
KCS_PAGE_SIZE = env_int("KCS_PAGE_SIZE", 25)

# Notifications: emails are sent by `manage.py send_notifications` (console output unless SMTP is set).
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Northwind KB <kb@localhost>")
# Where the file backend writes each batch of emails (`make run` and `make dev` use it: var/mail/).
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# Links in emails and feeds are this base plus a site path; by default the local server on PORT.
KCS_SITE_URL = os.environ.get("KCS_SITE_URL") or f"http://127.0.0.1:{env_int('PORT', 8000)}"
KCS_DIGEST_HOUR = env_int("KCS_DIGEST_HOUR", 7)  # local hour after which `send_notifications --loop` sends digests
# Outbound webhooks (cases/outbound.py), POSTed by `send_notifications`: seconds to wait for an answer.
KCS_WEBHOOK_TIMEOUT = env_int("KCS_WEBHOOK_TIMEOUT", 10)
# Each help-centre hand-over is also POSTed here as a `case.handed_over` event (e.g. the ticketing
# tool's intake), signed like every webhook when a secret is set; empty: not forwarded.
KCS_HANDOVER_URL = os.environ.get("KCS_HANDOVER_URL", "")
KCS_HANDOVER_SECRET = os.environ.get("KCS_HANDOVER_SECRET", "")

# Help-centre hand-over (cases.handover): where a copy of each request is emailed through the
# outbox (empty: none), and how many requests one visitor address, or one signed-in account,
# may send: "<count>/<s|m|h|d>".
KCS_HANDOVER_EMAIL = os.environ.get("KCS_HANDOVER_EMAIL", "")
KCS_HANDOVER_RATE = os.environ.get("KCS_HANDOVER_RATE", "5/h")

# Everything to stdout (a service manager or container keeps it): warnings and errors from the
# app, and Django's request errors with their tracebacks (never shown on the page when DEBUG is off).
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Replaces Django's own "django" handlers (stderr in DEBUG, mail to ADMINS): one stream, no duplicates.
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},  # runserver's request lines (make dev)
    },
}

# --- Sign-in and API tokens (accounts app) ------------------------------------------------------
# Kept in one block: failed sign-ins throttled by django-axes, TOTP two-factor by django-otp,
# expiring API tokens of our own (accounts.ApiToken) in place of rest_framework.authtoken.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
# OTP after authentication (it reads the session), the 2FA gate after OTP, axes last (it turns
# a lockout flagged during the view into the lockout page).
MIDDLEWARE += [
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorGate",
    "axes.middleware.AxesMiddleware",
]
# Axes' backend first: it refuses a locked-out username/address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env_bool("KCS_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("KCS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KCS_LOGIN_COOLOFF_MINUTES", 15))
# Each entry locks on its own: "username" stops guessing one account from many addresses,
# "ip_address" stops one address spraying many accounts. "username+ip_address" locks only that pair
# (for offices behind one NAT address, at the cost of weaker spray protection).
AXES_LOCKOUT_PARAMETERS = [
    part.split("+") if "+" in part else part for part in env_list("KCS_LOGIN_LOCKOUT_BY", "username,ip_address")
]
# Axes' own reset on success deletes every failure matching any lockout parameter, the address's
# included: one sign-in to an account of one's own would wipe the count of guesses at everyone
# else's. accounts.lockout.clear_failures_on_sign_in clears only the signed-in username's failures.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
# Proxies in front of the app that append to X-Forwarded-For (0: use the connection's address).
KCS_PROXY_COUNT = env_int("KCS_PROXY_COUNT", 0)
# Two-factor: KB owners, admins (is_staff) and superusers must enrol before using staff pages.
KCS_2FA_REQUIRED = env_bool("KCS_2FA_REQUIRED", False)
OTP_TOTP_ISSUER = os.environ.get("KCS_2FA_ISSUER", "Northwind KB")
# API tokens expire this many days after they are issued.
KCS_API_TOKEN_DAYS = env_int("KCS_API_TOKEN_DAYS", 30)
# Password reset requests per hour from one address, and emails per hour to one account.
KCS_PASSWORD_RESET_PER_IP = env_int("KCS_PASSWORD_RESET_PER_IP", 10)
KCS_PASSWORD_RESET_PER_ACCOUNT = env_int("KCS_PASSWORD_RESET_PER_ACCOUNT", 3)
PASSWORD_RESET_TIMEOUT = env_int("KCS_PASSWORD_RESET_HOURS", 24) * 3600
