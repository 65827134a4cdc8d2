"""Settings for the shop community, computed from environment variables.

Every external service is chosen by a variable; with none set the site runs embedded:
SQLite, the in-memory channel layer, a local-memory cache and database full-text search.

| variable            | default                     | production                         |
|---------------------|-----------------------------|------------------------------------|
| DATABASE_URL        | sqlite:///db.sqlite3        | postgres://…                       |
| REDIS_URL           | unset → in-memory layer     | channels-redis layer + Redis cache |
| TASKS_BACKEND       | database (rq with REDIS_URL)| rq: django-tasks-rq, rqworker      |
| TASKS_REDIS_URL     | REDIS_URL ("rq:" keys)      | a Redis database of its own        |
| ELASTICSEARCH_URL   | unset → database search     | Elasticsearch                      |
| SECRET_KEY          | a development key (DEBUG)   | required                           |
| DEBUG               | 1 when unset                | 0                                  |
| ALLOWED_HOSTS       | localhost,127.0.0.1,[::1]   | comma-separated host names         |
| EMAIL_HOST …        | console backend             | SMTP                               |
| SHOP_API_TOKEN      | a development token (DEBUG) | required for the shop feed         |
| SHOP_OIDC_* (3)     | unset → no shop sign-in     | the shop's OpenID Connect client   |
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR / "community"

DEBUG = _env_bool("DEBUG", True)
TESTING = _env_bool("COMMUNITY_TESTING", "pytest" in sys.modules)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    # The site core, then the product features: in the order of the README's map.
    "community",
    "community.catalog",
    "community.accounts",
    "community.moderation",
    "community.qa",
    "community.notifications",
    "reviews",
    "experts",
    "chat",
    "search",
    # Wagtail.
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # The public API's docs page (/api/v1/docs) from ninja's own static files, not a CDN (CSP).
    "ninja",
    # Background work: Django's tasks API and its database backend (queue table + db_worker).
    "django_tasks",
    "django_tasks_db",
    # Accounts.
    "allauth",
    "allauth.account",
    # Sign-in with the shop's account (OpenID Connect); configured below from SHOP_OIDC_*.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    # Django.
    "channels",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First, so that it sees every view's exception: an unreachable database answers 503.
    "community.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "community.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "community.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A Wagtail page's site, its root page and the site root paths in one query (community/sites.py).
    "community.sites.SiteMiddleware",
    # ETag / Last-Modified on the pages that declare a version (community/seo.py).
    "community.seo.ConditionalGetMiddleware",
]

ROOT_URLCONF = "community.urls"
WSGI_APPLICATION = "community.wsgi.application"
ASGI_APPLICATION = "community.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "community.context_processors.site",
            ],
        },
    },
]

if TESTING:
    # A concrete moderated model for the moderation tests (no product model is needed).
    INSTALLED_APPS.append("tests.testapp")

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# No persistent connections: under daphne every request's sync code runs in a thread of its
# own, and each thread would keep its own connection until PostgreSQL runs out of them
# (measured by bench.load: 70 idle connections in 45 s, then "too many clients").
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the daphne server read while a command writes; a busy timeout instead of
    # "database is locked" under the light concurrency of the embedded mode.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not memory, so that the daphne processes that tests start read the same data.
    # One file per test run, so parallel runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-artifacts" / f"test-db-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # An unreachable database answers 503 within seconds (community.http), not a hung request.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Redis: channel layer and cache -----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # The layer's receive() is a blocking BZPOPMIN that Redis answers after 5 s
                # when idle; the client's read timeout must be longer, or every idle read fails
                # (redis-py 8 defaults it to 5 s). Finite, so a dead connection is still noticed.
                "hosts": [{"address": REDIS_URL,
                           "socket_timeout": float(os.environ.get("CHANNEL_LAYER_SOCKET_TIMEOUT", "15"))}],
                # Deliberate, not default: a burst to a big room must not be dropped at 100.
                "capacity": int(os.environ.get("CHANNEL_LAYER_CAPACITY", "1500")),
                "expiry": 60,
                "group_expiry": 86400,
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "community"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "community"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Versioned pages (product, question, review list) for anonymous visitors, and the parts of a
# product page every visitor sees alike, are cached this long (seconds; 0: never). The keys
# carry the content's version, so a change shows at once; this only bounds the memory.
VERSIONED_PAGE_CACHE_SECONDS = int(os.environ.get("VERSIONED_PAGE_CACHE_SECONDS", "600"))
PRODUCT_PAGE_CACHE_SECONDS = int(os.environ.get("PRODUCT_PAGE_CACHE_SECONDS", "600"))

# The home page's community blocks are cached this long (seconds; tests run with 0: no cache).
HOME_SECTION_CACHE_SECONDS = int(os.environ.get("HOME_SECTION_CACHE_SECONDS", "0" if TESTING else "60"))

# The sitemap index (each section's page count and lastmod: aggregates over whole tables) is
# kept this long in the shared cache (seconds; tests run with 0: no cache). Its sections are not.
SITEMAP_INDEX_CACHE_SECONDS = int(os.environ.get("SITEMAP_INDEX_CACHE_SECONDS", "0" if TESTING else "900"))

# --- Background work (django-tasks) --------------------------------------------------------
# One backend for every kind of background work (shop-feed batches, notifications and email,
# search indexing, webhooks, data exports), chosen by TASKS_BACKEND (community/background.py):
# - "database": the queue is a table in the site's database, worked by `manage.py db_worker`;
# - "rq": Redis through django-tasks-rq, worked by `manage.py rqworker --with-scheduler` (the
#   scheduler runs the tasks deferred with run_after: every retry with backoff). Jobs are pushed
#   when the enqueuing transaction commits, as the database backend's rows appear.
# `make run` starts the matching worker beside daphne; README "Background workers".
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "") or ("rq" if REDIS_URL else "database")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "rq":
    # RQ's keys all start with "rq:", which neither the cache ("community:…") nor the channel
    # layer ("community…") uses. Still, django-redis's cache.clear() empties the whole Redis
    # database, and a cache Redis may evict keys under memory pressure: production points
    # TASKS_REDIS_URL at a database (better: a Redis with persistence and noeviction) of its own.
    TASKS_REDIS_URL = os.environ.get("TASKS_REDIS_URL", "") or REDIS_URL
    if not TASKS_REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (or TASKS_REDIS_URL).")
    TASKS = {"default": {"BACKEND": "community.background.OnCommitRQBackend", "QUEUES": ["default"]}}
    # DEFAULT_TIMEOUT: seconds before RQ kills a job (a large feed batch or data export).
    RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL,
                             "DEFAULT_TIMEOUT": int(os.environ.get("TASK_TIMEOUT_SECONDS", "1800"))}}
    # Every rqworker runs django-tasks-rq's job class (it calls the task with its context), so no
    # command line can forget --job-class.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    # rqworker, rqstats and the other RQ commands; django-tasks-rq's system check requires it.
    INSTALLED_APPS.append("django_rq")
else:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be 'database' or 'rq', not {TASKS_BACKEND!r}.")

# --- Search ----------------------------------------------------------------------------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX": "community-wagtail",
            "OPTIONS": {},
            "INDEX_SETTINGS": {},
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# «Покупатели упоминают»: recomputed in the background this many seconds after a product's
# reviews change in the index (one task per product per delay, whatever the number of changes).
SEARCH_MENTIONS_DELAY_SECONDS = int(os.environ.get("SEARCH_MENTIONS_DELAY_SECONDS", "60"))

# --- Accounts (django-allauth) ----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # ModelBackend with each user's permissions in the shared cache (no queries a page).
    "community.accounts.permissions.CachedPermissionsBackend",
    # Kept for sessions signed in before it (their backend must stay listed); it reads the
    # permissions the first one cached on the user.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cabinet"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# Shoppers may use the site at once; confirming the address marks the profile verified.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Сообщество] "
# django-allauth's own limits for sign-up and log-in (counted in the same shared cache; answered
# by ``handler429``). Its defaults are kept for the rest (password reset, email confirmation).
ACCOUNT_RATE_LIMITS = {
    "signup": os.environ.get("RATE_LIMIT_SIGNUP", "10/h/ip"),
    "login": os.environ.get("RATE_LIMIT_LOGIN", "30/m/ip"),
    # Failed log-ins: per address, and per account name (5 in 5 minutes).
    "login_failed": os.environ.get("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
}
ACCOUNT_FORMS = {"login": "community.accounts.forms.LoginForm"}
ACCOUNT_ADAPTER = "community.accounts.adapter.AccountAdapter"

# Review requests are sent this many days after a purchase (``manage.py send_review_requests``).
REVIEW_REQUEST_DAYS = int(os.environ.get("REVIEW_REQUEST_DAYS", "14"))
# Sign-in with the shop's account: django-allauth's OpenID Connect provider, one app whose
# provider id is SHOP_OIDC_PROVIDER_ID. Without SHOP_OIDC_SERVER_URL and SHOP_OIDC_CLIENT_ID no
# app is configured: no button, and the site keeps only its own sign-up. The shop's `sub` is
# the customer id (SocialAccount.uid) that the purchase feed may send as `customer_id`.
SHOP_OIDC_PROVIDER_ID = "shop"
SHOP_OIDC_SERVER_URL = os.environ.get("SHOP_OIDC_SERVER_URL", "").rstrip("/")
SHOP_OIDC_CLIENT_ID = os.environ.get("SHOP_OIDC_CLIENT_ID", "")
SHOP_OIDC_CLIENT_SECRET = os.environ.get("SHOP_OIDC_CLIENT_SECRET", "")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": SHOP_OIDC_PROVIDER_ID,
                "name": "Shop",
                "client_id": SHOP_OIDC_CLIENT_ID,
                "secret": SHOP_OIDC_CLIENT_SECRET,
                "settings": {"server_url": SHOP_OIDC_SERVER_URL},
            },
        ] if SHOP_OIDC_SERVER_URL and SHOP_OIDC_CLIENT_ID else [],
    },
}
SOCIALACCOUNT_ADAPTER = "community.accounts.shop_sign_in.ShopAccountAdapter"
# A customer whose shop account carries a *verified* address that a community account already
# has (verified too) signs in to that account and links it; an unverified address never merges —
# allauth asks for another address instead. Profiles follow the shop's names.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False

# --- Email ------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "community@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("ru", "Русский")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ru", "Русский"), ("en", "English")]

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
STATICFILES_DIRS = [BASE_DIR / "community" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
# Serve static and media from the app itself in the embedded mode (make run); a proxy does it
# in production.
SERVE_FILES = _env_bool("SERVE_FILES", DEBUG)

# --- Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Сообщество магазина"
# The one canonical origin of the public site (scheme://host[:port], no trailing slash): canonical
# links, sitemaps, Open Graph, robots.txt and emails are built on it, never on the request's Host.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 8 * 1024 * 1024

# --- Community rules (defaults; moderators edit the live ones in Wagtail settings) -------------
SHOP_API_TOKEN = os.environ.get("SHOP_API_TOKEN", "")
if not SHOP_API_TOKEN and DEBUG:
    SHOP_API_TOKEN = "dev-shop-token"  # noqa: S105
# The shop feed: bodies over SHOP_FEED_MAX_BYTES are refused (413); up to SHOP_FEED_SYNC_MAX_ROWS
# rows are imported in the request, more are stored and imported by the worker (202 + status
# URL); without a batch_id an identical body within SHOP_FEED_REPLAY_WINDOW seconds is a resend.
SHOP_FEED_MAX_BYTES = int(os.environ.get("SHOP_FEED_MAX_BYTES", str(16 * 1024 * 1024)))
SHOP_FEED_SYNC_MAX_ROWS = int(os.environ.get("SHOP_FEED_SYNC_MAX_ROWS", "500"))
SHOP_FEED_REPLAY_WINDOW = int(os.environ.get("SHOP_FEED_REPLAY_WINDOW", "3600"))
# The public API (/api/v1/, community/api.py): browsers may read it from these origins only
# (CORS; comma-separated "https://shop.example.com"); Cache-Control max-age of its reads.
SHOP_API_CORS_ORIGINS = _env_list("SHOP_API_CORS_ORIGINS", "")
API_CACHE_SECONDS = int(os.environ.get("API_CACHE_SECONDS", "60"))
# Webhooks (community/catalog/webhooks.py): seconds before attempt 2, 3, …, then failed; the
# timeout of one attempt.
WEBHOOK_RETRY_DELAYS = tuple(int(s) for s in _env_list("WEBHOOK_RETRY_DELAYS", "30,120,600,3600,21600"))
WEBHOOK_TIMEOUT = int(os.environ.get("WEBHOOK_TIMEOUT", "10"))
MODERATION_PREMODERATE_FIRST = int(os.environ.get("MODERATION_PREMODERATE_FIRST", "1"))
MODERATION_AUTO_HIDE_FLAGS = 3
# The "same text across accounts" signal compares texts posted within this many hours.
MODERATION_SAME_TEXT_HOURS = int(os.environ.get("MODERATION_SAME_TEXT_HOURS", "72"))
# Where banned users write to appeal (shown in the ban notice and on the refused sign-in).
MODERATION_APPEALS_EMAIL = os.environ.get("MODERATION_APPEALS_EMAIL", DEFAULT_FROM_EMAIL)
# Chat: at most CHAT_RATE_LIMIT_MESSAGES messages per CHAT_RATE_LIMIT_SECONDS per user.
CHAT_RATE_LIMIT_MESSAGES = int(os.environ.get("CHAT_RATE_LIMIT_MESSAGES", "10"))
CHAT_RATE_LIMIT_SECONDS = int(os.environ.get("CHAT_RATE_LIMIT_SECONDS", "10"))
# Rate limits (community/ratelimit.py): scope -> (attempts, seconds), counted in the shared cache
# so they hold across processes. A count of 0 turns a scope off.
# Views opt in with ``@rate_limited(scope)`` (community/http.py): ``scope`` counts per signed-in
# user, ``scope.new`` per user in their first RATE_LIMIT_NEW_ACCOUNT_HOURS (on top of ``scope``),
# ``scope.ip`` per client address. Every POST counts, accepted or not.
HOUR, DAY = 3600, 24 * 3600
RATE_LIMITS = {
    "chat_send": (CHAT_RATE_LIMIT_MESSAGES, CHAT_RATE_LIMIT_SECONDS),
    # New support tickets per user (a customer rarely needs more than one or two an hour).
    "ticket_create": (int(os.environ.get("TICKET_CREATE_LIMIT", "5")), HOUR),
    # Writing or editing a review (one per product, so few are needed).
    "review_write": (10, HOUR),
    "review_write.new": (3, DAY),
    "review_write.ip": (30, HOUR),
    # Asking (the "did you mean" step is a POST too, so a question may cost two).
    "question_ask": (20, HOUR),
    "question_ask.new": (6, DAY),
    "question_ask.ip": (60, HOUR),
    "answer_post": (30, HOUR),
    "answer_post.new": (10, DAY),
    "answer_post.ip": (90, HOUR),
    # Votes on reviews, questions and answers.
    "vote": (120, HOUR),
    "vote.new": (50, DAY),
    "vote.ip": (300, HOUR),
    # Reports to the moderators, on any kind of content.
    "flag": (20, DAY),
    "flag.new": (5, DAY),
    "flag.ip": (50, DAY),
    # The public API's reads: per shop key (read scope), and per address without a key.
    "api_read": (int(os.environ.get("API_READ_LIMIT_PER_KEY", "1200")), 60),
    "api_read.ip": (int(os.environ.get("API_READ_LIMIT_PER_IP", "120")), 60),
    # Pushes to the shop feed per key (or per the deprecated shared token).
    "shop_feed": (int(os.environ.get("SHOP_FEED_LIMIT", "600")), 60),
    # «Сообщить о поступлении» (anonymous visitors too: each one may send a confirmation email).
    "waiting_list": (20, DAY),
    "waiting_list.ip": (20, HOUR),
}
RATE_LIMIT_NEW_ACCOUNT_HOURS = 24
# Retry-After for limits that do not say when (django-allauth's).
RATE_LIMIT_DEFAULT_RETRY_AFTER = 60
# Retry-After of the 503 page while the database is unreachable.
DATABASE_UNAVAILABLE_RETRY_AFTER = 30
# How many reverse proxies in front of the site append to X-Forwarded-For (0: trust none).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
CHAT_MAX_FRAME_BYTES = 8 * 1024
CHAT_EDIT_WINDOW_SECONDS = 10 * 60
# Chat sends per daphne process (chat/ingest.py): at most CHAT_SEND_QUEUE wait to be stored; one
# not taken by the writer within CHAT_SEND_DEADLINE_SECONDS is refused (`overloaded`); the writer
# stores up to CHAT_SEND_BATCH in one transaction.
CHAT_SEND_QUEUE = int(os.environ.get("CHAT_SEND_QUEUE", "500"))
CHAT_SEND_DEADLINE_SECONDS = float(os.environ.get("CHAT_SEND_DEADLINE_SECONDS", "1.0"))
CHAT_SEND_BATCH = int(os.environ.get("CHAT_SEND_BATCH", "100"))
# The writer keeps its database connection while sends keep coming; idle this long, it closes it.
CHAT_WRITER_IDLE_SECONDS = float(os.environ.get("CHAT_WRITER_IDLE_SECONDS", "2.0"))
# A message received before its predecessor (two processes storing in one room) waits this long
# for it before the hub counts a layer gap and refills from the database (chat/fanout.py).
CHAT_REORDER_SECONDS = float(os.environ.get("CHAT_REORDER_SECONDS", "0.5"))
# A websocket whose write buffer stays full this long (it does not read what it is sent) is
# closed with 4008 and counted (chat/server_options.py); the page reconnects and resumes. 0: off.
CHAT_SLOW_READER_SECONDS = float(os.environ.get("CHAT_SLOW_READER_SECONDS", "10"))
# Each websocket's kernel send buffer, fixed (bytes; the kernel doubles it; 0: the kernel's own,
# which grows to megabytes for a socket that does not read). 256 KiB carries a chat to a reader
# 100 ms away at 2.5 MB/s.
CHAT_SOCKET_SEND_BUFFER = int(os.environ.get("CHAT_SOCKET_SEND_BUFFER", str(256 * 1024)))
CHAT_EXPERTS_GROUP = "Эксперты"  # stands in for Expert status until the experts app decides
# The modules that seed demo content, in order; each has `seed(context)` (composition root).
DEMO_CONTENT_STEPS = [
    "community.catalog.demo",
    "community.accounts.demo",
    "reviews.demo",
    "community.qa.demo",
    "experts.demo",
    "chat.demo",
    "community.moderation.demo",
    "search.demo",
    "community.notifications.demo",
]

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis when configured), written through to the database:
# a signed-in page costs no session query once it is cached.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False
# Wagtail's live preview shows the page in a same-origin frame, so not DENY.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp; community/security.py says why each source is there).
_SELF, _NONE, _INLINE = "'self'", "'none'", "'unsafe-inline'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "script-src-attr": [_NONE],
        "style-src": [_SELF],
        "style-src-attr": [_INLINE],
        "img-src": [_SELF, "data:", "blob:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],  # CSP 3: 'self' includes ws:/wss: to the same host (/ws/)
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_SELF],
    }
}
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, _INLINE],
        "style-src": [_SELF, _INLINE],
        "img-src": [_SELF, "data:", "blob:"],
        "font-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "frame-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_SELF],
    }
}
if SHOP_OIDC_SERVER_URL:
    # «Войти через аккаунт магазина» POSTs to the site, which redirects to the shop's /authorize:
    # browsers apply form-action to that redirect too, so the shop's origin must be allowed.
    _shop = urlsplit(SHOP_OIDC_SERVER_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [_SELF, f"{_shop.scheme}://{_shop.netloc}"]
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "modelsearch": {"level": "WARNING"},
    },
}
