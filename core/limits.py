"""The bounds on input (settings.INPUT_LIMITS): one place for every interface to ask."""

from django.conf import settings


def limit(name: str) -> int:
    return settings.INPUT_LIMITS[name]
