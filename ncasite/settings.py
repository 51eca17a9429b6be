"""Settings for ncasite, read from the environment.

Unset variables mean the embedded defaults (SQLite, local-memory cache, email to files), so a
fresh checkout runs and tests with nothing configured. With DJANGO_DEBUG off the site refuses
to start without a real secret key. See README.md for every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.prose_extensions import PROSE_EDITOR_EXTENSIONS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default or [])


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


# --- Core ---------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-this-key-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Commands that sign nothing (makemigrations, collectstatic…) run without a key; serving the
# site refuses to start (ncasite/wsgi.py, asgi.py) and any signing fails, never a weak key.
SECRET_KEY_PROBLEM = ""
if not DEBUG and (
    not SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    SECRET_KEY_PROBLEM = (
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters when "
        "DJANGO_DEBUG is off. Generate one with: python3 -c "
        "'import secrets; print(secrets.token_urlsafe(64))'. "
        "For local development set DJANGO_DEBUG=true instead."
    )
    SECRET_KEY = ""  # Django refuses an empty key the moment anything tries to sign with it
elif not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SILENCED_SYSTEM_CHECKS: list[str] = []

INSTALLED_APPS = [
    # Django's admin under the site's own AdminSite (branding, "My account").
    "ncasite.apps.NcasiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_prose_editor",
    "easy_thumbnails",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "reversion",
    "core",
    "editing",
    "library",
    "members",
    "news",
    "newsletter",
    # Last, so that after a migrate every other app's permissions exist for ncasite.roles.
    "ncasite",
]

# A cached page is served before the rest: its stored headers already hold what the security
# middleware adds, and it is never served to a request that must be redirected to HTTPS.
MIDDLEWARE = [
    "django.middleware.http.ConditionalGetMiddleware",
    "core.page_cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "ncasite.middleware.CrossOriginResourcePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ncasite.middleware.EditorTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ncasite.middleware.AdminCSPMiddleware",
]

ROOT_URLCONF = "ncasite.urls"
WSGI_APPLICATION = "ncasite.wsgi.application"

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
                "ncasite.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django 6.1's system checks open the database (manage.py check, makemigrations): the
    # default file's folder must exist on a fresh checkout.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and immediate transactions let the web process and the task worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_DB_PREPARED_STATEMENTS", True
):
    # Server-side binding lets psycopg prepare a statement once it has run five times on a
    # connection, so PostgreSQL stops re-planning the same page queries (about 0.4 ms each).
    # Turn it off behind a pooler in transaction mode that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_DB_POOL", False
):
    # psycopg's connection pool, per process, instead of one kept connection per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # A Redis outage degrades to uncached pages, never to errors.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_KEY_PREFIX", "ncasite"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous pages are kept whole in the cache for this long (0 turns the page cache off);
# browsers and CDNs may keep them for PAGE_BROWSER_MAX_AGE and serve them stale meanwhile.
PAGE_CACHE_SECONDS = env_int("NCASITE_PAGE_CACHE_SECONDS", 600)
# When public content next changes without a save (core/page_cache.py): no page outlives it.
PAGE_CACHE_NEXT_CHANGE = "news.models.next_publication_time"
PAGE_BROWSER_MAX_AGE = env_int("NCASITE_PAGE_BROWSER_MAX_AGE", 60)
PAGE_STALE_WHILE_REVALIDATE = env_int("NCASITE_PAGE_STALE_WHILE_REVALIDATE", 300)

# --- Background tasks ---------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Passwords ----------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------

# The body editor's own extensions (internal link chooser, figures from the image library).
DJANGO_PROSE_EDITOR_EXTENSIONS = PROSE_EDITOR_EXTENSIONS

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# Let Django serve uploads (development and tests); in production a web server or S3 does.
NCASITE_SERVE_MEDIA = env_bool("NCASITE_SERVE_MEDIA", DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production; plain files while developing and testing.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email --------------------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "news@ncasite.localhost")
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Images -------------------------------------------------------------------------------

# Uploads above this many pixels get a form error instead of exhausting a worker's memory.
NCASITE_MAX_IMAGE_PIXELS = env_int("NCASITE_MAX_IMAGE_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
THUMBNAIL_QUALITY = 82
THUMBNAIL_PRESERVE_EXTENSIONS = None
THUMBNAIL_NAMER = "easy_thumbnails.namers.hashed"
THUMBNAIL_SUBDIR = "renditions"
THUMBNAIL_BASEDIR = ""

# --- Site ---------------------------------------------------------------------------------

# Absolute address of the public site, for links in emails and shareable preview links.
NCASITE_BASE_URL = os.environ.get("NCASITE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("NCASITE_SITE_NAME", "Nature Crime Alliance")
CONTACT_EMAIL = os.environ.get("NCASITE_CONTACT_EMAIL", "press@ncasite.localhost")
# Where /.well-known/security.txt (RFC 9116) sends reports of vulnerabilities: a mailto: or
# https: URI.
NCASITE_SECURITY_CONTACT = os.environ.get("NCASITE_SECURITY_CONTACT", f"mailto:{CONTACT_EMAIL}")
# The email `manage.py ensure_editor` (make run) gives the local editor; unset means
# editor@ the domain of NCASITE_BASE_URL, or editor@localhost on an IP address.
NCASITE_EDITOR_EMAIL = os.environ.get("NCASITE_EDITOR_EMAIL", "")
# How long a shareable preview link to an unpublished post keeps working, in days.
NEWS_PREVIEW_LINK_DAYS = env_int("NCASITE_PREVIEW_LINK_DAYS", 7)

# --- Editing (editing app) ----------------------------------------------------------------

# The change forms keep the editor's typing as a private draft this often, in seconds.
EDITING_AUTOSAVE_SECONDS = env_int("NCASITE_AUTOSAVE_SECONDS", 20)
# An autosave larger than this is refused (413): the form itself can still be saved.
EDITING_AUTOSAVE_MAX_BYTES = env_int("NCASITE_AUTOSAVE_MAX_BYTES", 1024 * 1024)
# Someone counts as having a form open for this long after their last autosave ping.
EDITING_PRESENCE_SECONDS = env_int("NCASITE_PRESENCE_SECONDS", 90)

# --- Newsletter ---------------------------------------------------------------------------

NEWSLETTER_CONFIRMATION_DAYS = env_int("NCASITE_NEWSLETTER_CONFIRMATION_DAYS", 7)
# A pending address gets at most one confirmation email in this many minutes.
NEWSLETTER_RESEND_MINUTES = env_int("NCASITE_NEWSLETTER_RESEND_MINUTES", 5)
# Robots submit faster than people; forms sent sooner than this after rendering are ignored.
NEWSLETTER_MIN_SUBMIT_SECONDS = env_int("NCASITE_NEWSLETTER_MIN_SUBMIT_SECONDS", 2)
# A form's signed stamp serves at most this long, so one fetched stamp cannot serve a robot.
NEWSLETTER_STAMP_MAX_AGE_HOURS = env_int("NCASITE_NEWSLETTER_STAMP_MAX_AGE_HOURS", 24)
NEWSLETTER_SIGNUP_RATE = os.environ.get("NCASITE_NEWSLETTER_SIGNUP_RATE", "5/10m")
NEWSLETTER_EMAIL_MAX_ATTEMPTS = env_int("NCASITE_NEWSLETTER_EMAIL_MAX_ATTEMPTS", 8)
# Newsletter issues go out in batches, one SMTP connection per batch; a worker sends this many
# batches at once (on PostgreSQL), so it keeps busy while the mail server answers.
NEWSLETTER_BATCH_SIZE = env_int("NCASITE_NEWSLETTER_BATCH_SIZE", 200)
NEWSLETTER_SMTP_CONNECTIONS = env_int("NCASITE_NEWSLETTER_SMTP_CONNECTIONS", 4)
NEWSLETTER_DELIVERY_MAX_ATTEMPTS = env_int("NCASITE_NEWSLETTER_DELIVERY_MAX_ATTEMPTS", 5)
NEWSLETTER_UNSUBSCRIBE_MAILTO = os.environ.get("NCASITE_UNSUBSCRIBE_MAILTO", DEFAULT_FROM_EMAIL)
NEWSLETTER_CONSENT_TEXT = (
    "I agree to receive the alliance's newsletter by email and know I can unsubscribe at any "
    "time with one click. See the privacy policy."
)
# Rate limits degrade to "allow" when the cache is down, never to refusing everyone.
RATELIMIT_FAIL_OPEN = True
if not REDIS_URL:
    # The local-memory cache counts per process: fine for one process, documented in README.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Security -----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the site never uses, denied to it and to anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ]
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

if not DEBUG:
    # Production runs over HTTPS only; plain http on 127.0.0.1 keeps Django's cookie names.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe /healthz over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # The TLS-terminating proxy redirects http to https instead of Django.
        SILENCED_SYSTEM_CHECKS += ["security.W008"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Logging ------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
