"""Settings shared by every environment.

Everything configurable comes from the environment (django-environ). The defaults give the
embedded set-up of `make run`: SQLite, no Redis, Celery tasks run in-process.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
TIME_ZONE = "America/New_York"
LANGUAGE_CODE = "en-us"
# Translations shipped with the product (the patient's companion page: English and Spanish).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Base of the absolute links in e-mails (reminders carry a link, never PHI).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Celery broker and shared cache. Empty: the embedded set-up, tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES
# ------------------------------------------------------------------------------
# Shared by all web processes when Redis is there (throttling counts per client, not per worker).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "second-opinion",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# URLS
# ------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "security.apps.AuditedAdminConfig",  # django.contrib.admin, refusals audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # trigram index operator classes (search)
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]
LOCAL_APPS = [
    "accounts",
    "referrals",
    "audit",
    "security",
    "reports",
    "reminders",
    "companion",
    "inbox",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before the password is even checked.
    "security.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: everything rendered (not static files) gets Cache-Control: no-store.
    "security.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in the query string is a 400 before any search reaches the database.
    "core.middleware.RefuseNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logs out a session SESSION_ABSOLUTE_HOURS after its log-in, active or not.
    "security.middleware.SessionLifetimeMiddleware",
    # Marks request.user verified once a TOTP code was checked in this session.
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.TwoFactorMiddleware",
    "csp.middleware.CSPMiddleware",
    # Needs request.user: records who acted and from where for the audit log.
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a lockout into its 429 response.
    "axes.middleware.AxesMiddleware",
]

# STATIC AND MEDIA
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded record files. Never served directly: views check permissions first.
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The one date format of every page: {{ value|short_date }} (core/templatetags).
            "builtins": ["core.templatetags.dates"],
        },
    },
]

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# EMAIL
# ------------------------------------------------------------------------------
# EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.org:587) sets the backend and server
# in one value; without it, the EMAIL_* variables apply.
if "EMAIL_URL" in env:
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="reminders.mail.EmailBackend")
    EMAIL_HOST = env("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # The same SMTP, with RFC 5321's timeouts and an unknown outcome told from a refusal.
    EMAIL_BACKEND = "reminders.mail.EmailBackend"
# RFC 5321 §4.5.3.2: 5 minutes for the greeting and each command, 10 for the answer to the end
# of the message data (a server slow to store a message is waited for, not sent it again).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=300)
EMAIL_DATA_TIMEOUT = env.int("EMAIL_DATA_TIMEOUT", default=600)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Second Opinion Tracker <noreply@second-opinion.local>"
)
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# ADMIN
# ------------------------------------------------------------------------------
ADMIN_URL = "admin/"

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {"format": "%(levelname)s %(asctime)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {
        "console": {"level": "DEBUG", "class": "logging.StreamHandler", "formatter": "verbose"},
    },
    "root": {"level": env("LOG_LEVEL", default="INFO"), "handlers": ["console"]},
}
# No patient data in log lines: e-mail addresses and dates are masked on the way out.
LOGGING["filters"] = {
    "redact_phi": {"()": "security.logging.RedactPHIFilter"},
    "client_error_in_one_line": {"()": "security.logging.ClientErrorInOneLine"},
}
LOGGING["handlers"]["console"]["filters"] = ["redact_phi"]
# The development server's request lines (full URLs, search terms in them) go through it too.
LOGGING["loggers"] = {
    "django.server": {"level": "INFO", "handlers": ["console"], "propagate": False},
    # An intended 400/403/404 is one line without a traceback (a 500 keeps its traceback).
    "django.request": {"filters": ["client_error_in_one_line"]},
}

# CELERY
# ------------------------------------------------------------------------------
if USE_TZ:
    CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Without a broker (the embedded `make run`), tasks run in-process when queued.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Reliability (STYLE §6): a task is acknowledged only once it has finished, so a worker killed
# mid-task hands it back to the queue; tasks are idempotent, so running twice is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task unacknowledged this long (its worker died, say) is delivered again: the same age as
# the outbox scan's re-queue (EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS). A longer task (an e-mail to
# a slow server) is then run a second time, which does nothing: the message is claimed.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS", default=300)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks record their outcome in the database (Reminder rows), not in a result backend.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework.authentication.SessionAuthentication",
        "security.tokens.ApiTokenAuthentication",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ("django_filters.rest_framework.DjangoFilterBackend",),
    "DEFAULT_THROTTLE_CLASSES": (
        # DRF's, counted with one atomic INCR per request (core/throttling.py).
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ),
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "1000/min"},
    "EXCEPTION_HANDLER": "referrals.api.exceptions.api_exception_handler",
    # JSON bodies bounded in size and depth (INPUT_LIMITS).
    "DEFAULT_PARSER_CLASSES": (
        "referrals.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Second Opinion Tracker API",
    "DESCRIPTION": "Referrals for expert second opinions in oncology.",
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Distinct names for the choice sets that share a field name (`status`, `kind`).
    "ENUM_NAME_OVERRIDES": {
        "CancerSiteEnum": "accounts.models.CancerSite",
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "RecordItemStatusEnum": "referrals.models.RecordItemStatus",
        "RecordItemKindEnum": "referrals.models.RecordItemKind",
        "ReferralEventKindEnum": "referrals.models.ReferralEventKind",
        "WorkflowActionEnum": "referrals.rules.workflow.ACTIONS",
    },
}

# RECORDS
# ------------------------------------------------------------------------------
# Largest file that may be attached to a record item.
RECORD_UPLOAD_MAX_BYTES = env.int("RECORD_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)

# INPUT BOUNDS
# ------------------------------------------------------------------------------
# Every bound on what one request may ask of the service, in one place (core.limits reads
# them). A request beyond one is refused with 400 (413 for a body too large), never a 500.
INPUT_LIMITS = {
    # Request bodies (JSON): size in bytes and nesting depth.
    "body_bytes": env.int("INPUT_MAX_BODY_BYTES", default=1024 * 1024),
    "json_depth": 12,
    # Free text: characters in one field.
    "text_chars": 20_000,
    # Lists: record items per referral, trials per recommendation.
    "record_items": 60,
    "clinical_trials": 20,
    # API pages.
    "page_size": 100,
    # Reports: the longest period asked for at once, in days (10 years).
    "report_period_days": 3653,
    # Dates: the earliest date of birth; how far back a step may be recorded after the fact.
    "earliest_birth_year": 1900,
    "backdate_days": env.int("BACKDATE_MAX_DAYS", default=365),
}

# REMINDERS (DESIGN §5)
# ------------------------------------------------------------------------------
# A late step is reminded again every this many business days while it stays late.
REMINDER_REPEAT_BUSINESS_DAYS = env.int("REMINDER_REPEAT_BUSINESS_DAYS", default=2)
# Unanswered reminders of one late step before the center's lead coordinator hears of it.
REMINDER_ESCALATE_AFTER = env.int("REMINDER_ESCALATE_AFTER", default=2)
# An unsent reminder is queued again by the scan once its last task is this old (lost with a
# killed worker or a restarted Redis, or still waiting behind a backlog).
REMINDER_REQUEUE_AFTER_MINUTES = env.int("REMINDER_REQUEUE_AFTER_MINUTES", default=5)
# Late referrals handled per batch (one bulk insert each).
REMINDER_SCAN_BATCH_SIZE = 1000
# THE OUTBOX: every e-mail the product sends (reminders/outbox.py)
# A message without a live task is queued again by the outbox scan once its last task is this
# old (lost with a killed worker or a restarted broker, or never published); a lost task is
# delivered within this plus the scan's period (7 minutes by default).
EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = env.int("EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS", default=300)
# How often beat runs that scan (`reminders.tasks.queue_unsent_email`).
EMAIL_OUTBOX_SCAN_SECONDS = env.int("EMAIL_OUTBOX_SCAN_SECONDS", default=120)
# A sender holds a message this long: more than a delivery task may run (its time limit is
# this less a minute), which covers EMAIL_TIMEOUT and EMAIL_DATA_TIMEOUT.
EMAIL_OUTBOX_LEASE_SECONDS = env.int(
    "EMAIL_OUTBOX_LEASE_SECONDS", default=2 * EMAIL_TIMEOUT + EMAIL_DATA_TIMEOUT + 120
)
# After a refusal or an unreachable server: retries from 5 s doubling to 4 minutes, with
# jitter, by the task for about an hour (25 retries), then by the scan at the same pace.
EMAIL_OUTBOX_RETRY_BASE_SECONDS = env.int("EMAIL_OUTBOX_RETRY_BASE_SECONDS", default=5)
EMAIL_OUTBOX_RETRY_MAX_SECONDS = env.int("EMAIL_OUTBOX_RETRY_MAX_SECONDS", default=240)
EMAIL_OUTBOX_TASK_RETRIES = env.int("EMAIL_OUTBOX_TASK_RETRIES", default=25)
# A message that went out but was never answered (the server may have it) waits this long.
EMAIL_OUTBOX_UNKNOWN_RETRY_MINUTES = env.int("EMAIL_OUTBOX_UNKNOWN_RETRY_MINUTES", default=60)

# Holidays the SLA clock skips, loaded by `manage.py load_holidays` (the `holidays` package);
# edit them in the admin too.
HOLIDAY_COUNTRY = env("HOLIDAY_COUNTRY", default="US")
HOLIDAY_SUBDIVISION = env("HOLIDAY_SUBDIVISION", default="") or None
# The one beat scheduler (django-celery-beat's DatabaseScheduler copies these entries into
# its tables). The scan also takes a database lock, so a second beat cannot double the work.
# The referrals.tasks.* names are those of tasks defined in reminders/tasks.py: kept from before
# the reminder engine moved there, as the copied rows and queued messages name them.
CELERY_BEAT_SCHEDULE = {
    "reminders-scan": {
        "task": "referrals.tasks.scan_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "email-outbox-scan": {
        "task": "reminders.tasks.queue_unsent_email",
        "schedule": datetime.timedelta(seconds=EMAIL_OUTBOX_SCAN_SECONDS),
    },
    "reminders-daily-digest": {
        "task": "referrals.tasks.queue_reminder_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}

# SECURITY AND PRIVACY (PHI)
# ------------------------------------------------------------------------------
# Lockout after repeated failed log-ins (django-axes): per e-mail and client address together,
# so one attacker cannot lock every user out, nor one user be attacked from one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login forms (Django's AuthenticationForm: admin and portal) name the e-mail "username",
# the API "email"; either is counted trimmed and lower-cased, as log-in matches it.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "security.lockout.normalised_username"
# 429 with Retry-After; in the API's error shape under /api/.
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
# Failed log-ins from one client address, all accounts together, before that address is
# refused for the cool-off (a password-guessing sweep); other addresses are not affected.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
AXES_RESET_ON_SUCCESS = True
# The client's address as the audit trail records it (X-Forwarded-For behind a proxy).
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_address"
# Reverse proxies in front of the application whose X-Forwarded-For entries are trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Log-ins are recorded in the audit trail (security.signals); axes keeps only the counters.
AXES_DISABLE_ACCESS_LOG = True

# Sessions end after SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=15) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# ...and SESSION_ABSOLUTE_HOURS after the log-in, however busy (security.middleware).
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)

# API tokens (django-rest-knox, security.ApiToken): only a digest stored; they end after
# API_TOKEN_IDLE_HOURS without use and API_TOKEN_MAX_DAYS after issue, at log-out, on a password
# change and on deactivation.
KNOX_TOKEN_MODEL = "security.ApiToken"
# knox's own token model is swapped out for ours: none of its tables are created.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": datetime.timedelta(hours=env.int("API_TOKEN_IDLE_HOURS", default=10)),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": datetime.timedelta(days=env.int("API_TOKEN_MAX_DAYS", default=30)),
    # Each use moves the expiry on, written at most once a minute.
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}

# Two-factor authentication (TOTP, django-otp) for staff and everyone with a membership.
REQUIRE_TWO_FACTOR = env.bool("REQUIRE_TWO_FACTOR", default=False)
OTP_TOTP_ISSUER = "Second Opinion Tracker"

# Content Security Policy (django-csp): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Celery workers keep Django's logging (and its PHI filter) instead of replacing the handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reports (500 mails, debug pages) hide patient fields as well as secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "security.error_reports.PatientDataReporterFilter"

# PORTAL
# ------------------------------------------------------------------------------
LOGIN_URL = "/accounts/login/"
# The portal's navigation (templates/base.html) shows links by the user's roles.
TEMPLATES[0]["OPTIONS"]["context_processors"].append(
    "referrals.portal.context_processors.navigation"
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("inbox.context_processors.inbox")
