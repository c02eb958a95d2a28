"""Settings for the test suite: real PostgreSQL and Redis (DESIGN §7), fast and deterministic."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-4f9e2b7a1c6d8e3f5a0b9c2d7e1f4a6b"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/second_opinion"),
}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
# Tasks run in-process by default; tests that exercise a real worker override this (and the
# worker they start publishes its own tasks, such as retries, as production does).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

# Per-process memory cache: nothing (such as throttle counters) leaks between test runs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rates high enough that a suite making many requests within a minute is never throttled;
# a throttling test sets its own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker started by the tests delivers into files the tests can count (pytest itself
# always uses the memory backend).
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_BACKEND)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "test-artifacts" / "mail"))  # noqa: F405

# No manifest: tests render templates without running collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded files land beside the other test outputs, not in the real media folder.
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"  # noqa: F405

# Serve static files straight from the finders (browser tests run without collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
