"""Django settings. Everything an operator may change comes from environment variables
(documented in docs/configuration.md) through the typed readers in heedful.lib.env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from heedful.lib.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_str,
    env_time_zone,
    env_url,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("HEEDFUL_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key("SECRET_KEY", VAR_DIR / "secret_key")
BASE_URL = env_url("HEEDFUL_BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip(
    "/"
)
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = False

ALLOWED_HOSTS = [h.strip() for h in env_str("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "heedful.taskqueue",
    # django-ninja's bundled Swagger UI assets, so /api/v1/docs works offline.
    "ninja",
    "heedful.accounts",
    "heedful.customers",
    "heedful.tickets",
    "heedful.search",
    "heedful.web",
    "heedful.api",
    "heedful.sla",
    "heedful.mail",
    "heedful.portal",
    "heedful.webhooks",
    "heedful.feedback",
    "heedful.reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Under /api/ only: 413 for oversized bodies, and the API's error shape for 404/405.
    "heedful.api.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "heedful.urls"
WSGI_APPLICATION = "heedful.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "heedful.web.context_processors.workspace",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'heedful.sqlite3'}")
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL: {exc}") from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # WAL lets readers run while a writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing with "locked".
        # Connections are kept (CONN_MAX_AGE 60, one per server thread, as on
        # PostgreSQL): opening one, running the pragmas below and closing it again cost
        # about 5 ms CPU per API create, half of it (docs/performance-history.md, "Measured as the
        # target is written; persistent connections").
        # Django still closes a connection after an error or left in a transaction.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # Each server thread keeps its connection, and each connection its own page
            # cache and memory map, for as long as the process runs: after heavy use at
            # 1M tickets, 16 MB caches and a 256 MB map left the web server about 100 MB
            # larger and the stack at 340-377 MB RSS (target 300). No map and 4 MB
            # caches: 257-274 MB after the same use, the same server CPU per request at
            # 100k and 1M; 2 MB caches cost a third more CPU (docs/performance.md,
            # "Memory after heavy use"; `heedful bench run --only memory`).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA mmap_size=0; PRAGMA cache_size=-4096; "
                "PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;"
            ),
        }
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    elif engine == "django.db.backends.postgresql":
        # No parallel workers for the app's own short queries: on a small machine starting
        # them costs more (10-20 ms) than the scan they share (docs/performance.md). A
        # DATABASE_URL with ?options=... keeps its own setting.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("options", "-c max_parallel_workers_per_gather=0")
        # Lets concurrent test runs each create their own throw-away database.
        test_name = env_str("HEEDFUL_TEST_DATABASE", "")
        if test_name:
            config["TEST"] = {"NAME": test_name}
    else:
        raise ConfigError(
            f"DATABASE_URL: only sqlite:// and postgres:// are supported, got {url!r}"
        )
    return config


DATABASES = {"default": _database()}

REDIS_URL = (
    env_url("REDIS_URL", "", schemes=("redis", "rediss")) if env_str("REDIS_URL", "") else ""
)
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env_str("HEEDFUL_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A job still "running" after this many minutes (its worker was killed) is queued again.
TASK_STALE_AFTER_MINUTES = env_int("HEEDFUL_TASK_STALE_AFTER", 30, minimum=1)

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HEEDFUL_MAX_UPLOAD_BYTES", 25 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Inbox lists never count more than this many rows; beyond it the UI shows "1,000+".
INBOX_COUNT_LIMIT = 1000
TICKET_REF_PREFIX = env_str("HEEDFUL_TICKET_PREFIX", "HD")

# Outbound email. Without EMAIL_HOST, mail is written to files under var/outbox so a
# demo never tries to reach a mail server that is not there.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Heedful <support@heedful.localhost>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "outbox")

# REST API (docs/api.md): the largest request body, and requests a minute per token.
API_MAX_BODY_BYTES = env_int("HEEDFUL_API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
API_RATE_LIMIT_PER_MINUTE = env_int("HEEDFUL_API_RATE_LIMIT", 600, minimum=1)
# Files sent to POST /api/v1/attachments: per file, and all files of one message together.
# (at most 20 MiB a file: the limit of every channel, heedful.tickets.actions).
API_MAX_ATTACHMENT_BYTES = min(
    env_int("HEEDFUL_API_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024, minimum=1024), 20 * 1024 * 1024
)
API_MAX_ATTACHMENTS_TOTAL_BYTES = env_int(
    "HEEDFUL_API_MAX_ATTACHMENTS_TOTAL_BYTES", 50 * 1024 * 1024, minimum=1024
)

# Inbound email (docs/email.md). Our own addresses are never made contacts or followers.
MAIL_ADDRESSES = [
    a.strip().lower() for a in env_str("HEEDFUL_MAIL_ADDRESSES", "").split(",") if a.strip()
]
# A customer's reply to a *closed* ticket: "follow_up" opens a linked new ticket,
# "reopen" reopens it. (Replies to solved tickets always reopen them.)
MAIL_REPLY_TO_CLOSED = env_choice(
    "HEEDFUL_MAIL_REPLY_TO_CLOSED", "follow_up", ("follow_up", "reopen")
)
MAIL_MAX_BYTES = env_int("HEEDFUL_MAIL_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
# IMAP mailboxes to poll: whitespace-separated imap:// or imaps:// URLs (see mail/imap.py).
MAIL_IMAP_URLS = env_str("HEEDFUL_MAIL_IMAP", "").split()
MAIL_IMAP_INTERVAL = env_int("HEEDFUL_MAIL_IMAP_INTERVAL", 60, minimum=1)

# Customer portal and web form (docs/portal.md): how long a sign-in link lives, and how
# many sign-in links or web-form tickets one address / one IP may ask for in an hour.
PORTAL_LINK_MINUTES = env_int("HEEDFUL_PORTAL_LINK_MINUTES", 15, minimum=1)
PORTAL_RATE_PER_ADDRESS = env_int("HEEDFUL_PORTAL_RATE_PER_ADDRESS", 5, minimum=1)
PORTAL_RATE_PER_IP = env_int("HEEDFUL_PORTAL_RATE_PER_IP", 30, minimum=1)
# Behind a reverse proxy: the header holding the client's address (e.g. X-Forwarded-For);
# its last entry is used. Empty: the connection's address (REMOTE_ADDR).
CLIENT_IP_HEADER = env_str("HEEDFUL_CLIENT_IP_HEADER", "").strip()

# Outgoing webhooks (docs/webhooks.md): a subscription is switched off after this many
# failed deliveries in a row, and its owner is told by email.
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("HEEDFUL_WEBHOOK_DISABLE_AFTER_FAILURES", 10, minimum=1)

# Outbound email (docs/email.md, "Email out"). Replies carry Reply-To: support+HD-1042@…
# (the sending mailbox's address, plus-addressed) unless plus addressing is turned off.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 60, minimum=1)
MAIL_PLUS_ADDRESSING = env_bool("HEEDFUL_MAIL_PLUS_ADDRESSING", True)
# Temporary failures (4xx, connection errors) retry after 1, 2, 4… times this, this often.
MAIL_SEND_ATTEMPTS = env_int("HEEDFUL_MAIL_SEND_ATTEMPTS", 8, minimum=1)
MAIL_RETRY_SECONDS = env_int("HEEDFUL_MAIL_RETRY_SECONDS", 60, minimum=1)
# An email still "sending" after this long is marked "not confirmed", never resent.
MAIL_SENDING_TIMEOUT = env_int("HEEDFUL_MAIL_SENDING_TIMEOUT", 900, minimum=60)
# Auto-acknowledgement of new email tickets, at most this many per sender an hour.
MAIL_AUTOACK = env_bool("HEEDFUL_MAIL_AUTOACK", True)
MAIL_AUTOACK_PER_HOUR = env_int("HEEDFUL_MAIL_AUTOACK_PER_HOUR", 3, minimum=1)
MAIL_AUTOACK_NO_SLA_TEXT = env_str(
    "HEEDFUL_MAIL_AUTOACK_NO_SLA_TEXT", "We will get back to you as soon as we can."
)

# Feedback (docs/feedback.md): the CSAT survey goes this many minutes after a ticket is
# solved; a ticket solved again within the window is not surveyed again; no contact gets
# more than one survey of any kind per throttle period; rating links live this long; a
# score below the minimum sample says "not enough data".
FEEDBACK_CSAT_DELAY_MINUTES = env_int("HEEDFUL_FEEDBACK_CSAT_DELAY_MINUTES", 24 * 60, minimum=0)
FEEDBACK_RESURVEY_WINDOW_DAYS = env_int("HEEDFUL_FEEDBACK_RESURVEY_WINDOW_DAYS", 7, minimum=0)
FEEDBACK_THROTTLE_DAYS = env_int("HEEDFUL_FEEDBACK_THROTTLE_DAYS", 30, minimum=0)
FEEDBACK_LINK_MAX_AGE_DAYS = env_int("HEEDFUL_FEEDBACK_LINK_MAX_AGE_DAYS", 30, minimum=1)
FEEDBACK_MIN_SAMPLE = env_int("HEEDFUL_FEEDBACK_MIN_SAMPLE", 30, minimum=1)
# A detractor / bad CSAT follow-up is due this many days later (24/7 days: weekends
# count); NPS goes to each contact with a ticket in the period every this many days
# (0: never).
FEEDBACK_FOLLOW_UP_DUE_DAYS = env_int("HEEDFUL_FEEDBACK_FOLLOW_UP_DUE_DAYS", 2, minimum=0)
FEEDBACK_NPS_EVERY_DAYS = env_int("HEEDFUL_FEEDBACK_NPS_EVERY_DAYS", 90, minimum=0)
# Topics (docs/feedback.md): at most this many topics, computed from the latest this many
# texts, once there are at least the minimum; recomputed every this many hours, or
# sooner once this many new texts arrived.
TOPICS_MAX = env_int("HEEDFUL_TOPICS_MAX", 50, minimum=2)
TOPICS_MAX_DOCUMENTS = env_int("HEEDFUL_TOPICS_MAX_DOCUMENTS", 20000, minimum=10)
TOPICS_MIN_DOCUMENTS = env_int("HEEDFUL_TOPICS_MIN_DOCUMENTS", 20, minimum=2)
TOPICS_EVERY_HOURS = env_int("HEEDFUL_TOPICS_EVERY_HOURS", 24, minimum=1)
TOPICS_NEW_DOCUMENTS = env_int("HEEDFUL_TOPICS_NEW_DOCUMENTS", 1000, minimum=1)
# Computed in a child process, so that the long-running worker never keeps scikit-learn's
# ~140 MB after the day's computation (docs/performance-history.md, "The whole stack's memory").
TOPICS_IN_CHILD_PROCESS = env_bool("HEEDFUL_TOPICS_IN_CHILD_PROCESS", True)

# Reminders (heedful.reminders, docs/follow-ups.md): the "did this solve it?" email after a
# solve, at most one per ticket within this many days (a reopen-then-solve asks once), and
# how long its links work.
SOLVED_CHECK = env_bool("HEEDFUL_SOLVED_CHECK", True)
SOLVED_CHECK_WINDOW_DAYS = env_int("HEEDFUL_SOLVED_CHECK_WINDOW_DAYS", 7, minimum=0)
SOLVED_CHECK_LINK_MAX_AGE_DAYS = env_int("HEEDFUL_SOLVED_CHECK_LINK_MAX_AGE_DAYS", 30, minimum=1)
