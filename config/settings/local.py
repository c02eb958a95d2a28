"""Development on a laptop: `make run` (SQLite and in-process Celery unless the env says else)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-local-only-7c1f0b9e2d4a4f3e8a6b5c2d1e0f9a8b7c6d5e4f3a2b1c0d",
)
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# Serve static files from the apps and static/ directly, without needing collectstatic first.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run in-process here: their one-line success logs would drown the server's output.
LOGGING["loggers"] = {**LOGGING["loggers"], "celery.app.trace": {"level": "WARNING"}}  # noqa: F405
