"""Settings for Cercles.

One set of defaults runs the embedded mode (SQLite, in-memory channel layer, worker thread in the
web process). The environment switches on the scale-out mode: ``DATABASE_URL`` (PostgreSQL),
``REDIS_URL`` (channel layer, cache, sessions). Nothing is production-only in code.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CERCLES_DATA_DIR", BASE_DIR / "data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The embedded default is for a laptop. The "django-insecure-" prefix marks it: Django's deploy check
# warns about it, and ours (cercles.E002) refuses it as soon as the site is served beyond localhost.
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-cercles-embedded-mode-set-SECRET_KEY-in-deployment")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# The programme's name in e-mails and page titles; the Site record is set from it and SITE_URL.
PROGRAMME_NAME = os.environ.get("PROGRAMME_NAME", "Cercles")

# --- Who runs the site: legal notice, accessibility statement, footer -----------------------
# The defaults describe the demonstration; cercles.E006 refuses them once the site is served beyond
# localhost, so that no public site goes out without its operator's legal notice.
DEMO_OPERATOR_NAME = "Programme Cercles (démonstration)"
OPERATOR_NAME = os.environ.get("OPERATOR_NAME", DEMO_OPERATOR_NAME)
OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS", "")
PUBLICATION_DIRECTOR = os.environ.get("PUBLICATION_DIRECTOR", "")
HOSTING_PROVIDER = os.environ.get("HOSTING_PROVIDER", "")
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "contact@demo.cercles.fr")
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", CONTACT_EMAIL)
# The day the accessibility statement was last established (ISO date), and how.
ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "2026-12-01")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "channels",
    "django_tasks",
    "cercles.core.tasks_app.TasksDatabaseConfig",  # django_tasks_db, named in French
    "django_htmx",
    "django_bootstrap5",
    "bootstrap",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Discovers each app's rules.py: the authorization policy (cercles.core.policy).
    "rules.apps.AutodiscoverRulesConfig",
    "cercles.core",
    "cercles.audit",
    "cercles.people",
    "cercles.privacy",
    "cercles.circles",
    "cercles.notifications",
    "cercles.meetings",
    "cercles.formation",
    "cercles.methods",
    "cercles.reminders",
    "cercles.rooms",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cercles.core.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Coordinators and superusers set up a second factor before any coordination page.
    "cercles.people.middleware.SecondFactorMiddleware",
    # A signed-in visit is the person's last activity (once a day), read by the inactivity retention.
    "cercles.people.middleware.ActivityMiddleware",
    # A new version of the consent text is asked again; a withdrawn consent freezes the account.
    "cercles.people.middleware.ConsentMiddleware",
    "cercles.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cercles" / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cercles.core.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "cercles.sqlite3")),
            # WAL + busy timeout + IMMEDIATE transactions: the web and worker threads queue for the
            # write lock instead of failing with "database is locked" (docs/deployment.md).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, sessions --------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's pool refuses (not waits) beyond its size, 100 by default: a web process holding
            # hundreds of room sockets subscribes, announces and unsubscribes them in bursts (a restart
            # closes them all at once). Redis itself accepts 10,000 clients.
            "CONFIG": {
                "hosts": [
                    {"address": REDIS_URL, "max_connections": int(os.environ.get("REDIS_CHANNEL_CONNECTIONS", "1000"))}
                ],
                "prefix": os.environ.get("REDIS_PREFIX", "cercles"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "cercles"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Room for the public pages (cercles.core.page_cache, 6-20 KB each) beside the rate limits.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Anonymous visitors' copies of the public pages (cercles.core.page_cache) last at most this long,
# however fresh the data: what only time changes (the next meeting) waits this long. 0 turns it off.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "60"))

# How many web processes serve the app; the system check refuses an in-memory channel layer with
# more than one (their rooms would not see each other's messages).
WEB_PROCESSES = int(os.environ.get("WEB_PROCESSES", "1"))

# --- Background tasks ------------------------------------------------------------------------
# Embedded mode runs the database worker as a thread of the web process (`manage.py serve`);
# scale-out runs `manage.py db_worker` processes. Tests use the immediate backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RUN_WORKER_IN_PROCESS = env_bool("RUN_WORKER_IN_PROCESS", not REDIS_URL)
# Periodic jobs (the outbox sweeper first): a thread of `manage.py serve` in embedded mode, apart
# from the task worker so that mail never waits behind a long task; `manage.py run_scheduler`
# processes in scale-out mode (docs/notifications.md).
RUN_SCHEDULER_IN_PROCESS = env_bool("RUN_SCHEDULER_IN_PROCESS", not REDIS_URL)
# How often the sweeper looks for due mail without being woken (a message queued by another process).
OUTBOX_SWEEP_INTERVAL = float(os.environ.get("OUTBOX_SWEEP_INTERVAL", "2"))
# How many sweepers may send at once, each a job of its own that one scheduler process holds at a time:
# with several `run_scheduler` processes, up to this many send disjoint batches side by side.
OUTBOX_SWEEPERS = max(1, int(os.environ.get("OUTBOX_SWEEPERS", "1")))
# How many "sent" marks a sweeper writes in one UPDATE. 1 (the default) keeps the promise that a
# sweeper killed mid-batch repeats at most the message in flight; N trades up to N repeats (same
# Message-ID, never a loss) for fewer writes per message (docs/notifications.md, Throughput).
OUTBOX_MARK_GROUP = max(1, int(os.environ.get("OUTBOX_MARK_GROUP", "1")))
# Tests only: a woken job runs at once in the waking thread (see docs/testing.md).
SCHEDULER_RUN_ON_WAKE = False

# --- Personal data (shown on the privacy page; docs/privacy.md) -------------------------------
# Who is responsible for the processing, and how to reach the data protection officer.
DATA_CONTROLLER = os.environ.get("DATA_CONTROLLER", "L'équipe du programme Cercles")
DPO_CONTACT = os.environ.get("DPO_CONTACT", "")
# How long the audit log keeps a row (days).
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "365"))
# An account never confirmed (no verified address, never signed in) is deleted after this many days.
UNCONFIRMED_ACCOUNT_RETENTION_DAYS = int(os.environ.get("UNCONFIRMED_ACCOUNT_RETENTION_DAYS", "30"))
# A person inactive this long is warned by e-mail, then anonymised INACTIVE_WARNING_DAYS later.
INACTIVE_ACCOUNT_RETENTION_DAYS = int(os.environ.get("INACTIVE_ACCOUNT_RETENTION_DAYS", "365"))
INACTIVE_WARNING_DAYS = int(os.environ.get("INACTIVE_WARNING_DAYS", "30"))

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "circles:my_circles"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SIGNUP_REDIRECT_URL = "people:profile_edit"
ACCOUNT_ADAPTER = "cercles.people.adapters.AccountAdapter"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Greetings and "signed in as" messages use the first name, never a placeholder (people/adapters.py).
ACCOUNT_USER_DISPLAY = "cercles.people.adapters.user_display"
# Every way in is rate-limited, the coordination's login included (it goes through this login,
# config/urls.py). Written out rather than left to allauth's defaults so that a reader sees them.
# A second factor (allauth.mfa): required of coordinators and superusers before any coordination page
# (cercles.people.middleware.SecondFactorMiddleware); participants keep the login by code.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = PROGRAMME_NAME
# A code typed just as the phone shows the next one still counts (one 30-second step either side, as
# RFC 6238 advises for clock drift and typing time); each code still works once only.
MFA_TOTP_TOLERANCE = 1
# Security keys over plain http only on a development machine (browsers allow localhost anyway).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG)
MFA_PASSKEY_LOGIN_ENABLED = False

ACCOUNT_RATE_LIMITS = {
    # Failed password logins: 10 a minute per IP address, 5 per 5 minutes per e-mail.
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    # Login by code: asking for a code (3 a minute per e-mail); a code allows 3 tries (below).
    "request_login_code": "20/m/ip,3/m/key",
    # Password reset: asking for the e-mail, then the page its link opens.
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/10s/key",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cercles <ne-pas-repondre@cercles.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
# Uploaded files (the programme's logo) go to Django's storage: the data folder in the embedded mode,
# any configured storage (STORAGES) in the scale-out mode. The site serves them through its own views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG
BOOTSTRAP5 = {
    # Self-hosted assets from django-bootstrap-static, never the CDN default.
    "css_url": {"url": "/static/bootstrap/css/bootstrap.min.css"},
    "javascript_url": {"url": "/static/bootstrap/js/bootstrap.bundle.min.js"},
}

# --- Security --------------------------------------------------------------------------------
CSRF_FAILURE_VIEW = "cercles.core.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# Off by default so that `make run` works over plain HTTP on localhost; the check cercles.E004
# refuses to serve beyond localhost without them (docs/deployment.md).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Opt-in: a domain on the browsers' preload list stays HTTPS-only for months, even if HSTS is removed.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The load balancer's health probe may speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
# Behind a reverse proxy that terminates HTTPS: "HTTP_X_FORWARDED_PROTO" or "HTTP_X_FORWARDED_PROTO,https".
# Set it only if the proxy always sets (and overwrites) that header, or anyone could claim HTTPS.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    (_proxy_header[0], _proxy_header[1] if len(_proxy_header) > 1 else "https") if _proxy_header else None
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Meetings (docs/meetings.md): the programme's video provider ("jitsi", "bigbluebutton" or "" for fixed
# links only); server secrets come from the environment only.
MEETINGS_VIDEO_PROVIDER = os.environ.get("MEETINGS_VIDEO_PROVIDER", "jitsi")
MEETINGS_JITSI_URL = os.environ.get("MEETINGS_JITSI_URL", "https://meet.jit.si")
MEETINGS_JITSI_APP_ID = os.environ.get("MEETINGS_JITSI_APP_ID", "")
MEETINGS_JITSI_SECRET = os.environ.get("MEETINGS_JITSI_SECRET", "")
MEETINGS_BBB_URL = os.environ.get("MEETINGS_BBB_URL", "")
MEETINGS_BBB_SECRET = os.environ.get("MEETINGS_BBB_SECRET", "")
# The join address opens this long before the start.
MEETINGS_JOIN_OPENS_BEFORE_MINUTES = 30
# The ORGANIZER of calendar invitations and the signatory of attendance certificates.
MEETINGS_ORGANIZER_EMAIL = os.environ.get("MEETINGS_ORGANIZER_EMAIL", "programme@cercles.localhost")
ATTESTATION_SIGNATORY = os.environ.get("ATTESTATION_SIGNATORY", "La coordination du programme")
