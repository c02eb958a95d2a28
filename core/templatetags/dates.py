"""The one way pages show a date: "Dec 1" this year, "Dec 1, 2025" another year.

Built into every template (settings TEMPLATES "builtins"): `{{ value|short_date }}` for a day,
`{{ value|short_datetime }}` with the time of day. The parts are joined by no-break spaces, so
a narrow column never splits a date across lines.
"""

import datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()
NO_BREAK = "\N{NO-BREAK SPACE}"


def _local(value) -> datetime.date | datetime.datetime:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day_format(value, today: datetime.date) -> str:
    day = value.date() if isinstance(value, datetime.datetime) else value
    return "M j" if day.year == today.year else "M j, Y"


@register.filter(expects_localtime=False)
def short_date(value) -> str:
    """The day: "Dec 1" in this year, "Dec 1, 2025" in another; "" for no date."""
    if not value:
        return ""
    value = _local(value)
    text = dateformat.format(value, _day_format(value, timezone.localdate()))
    return text.replace(" ", NO_BREAK)


@register.filter(expects_localtime=False)
def short_datetime(value) -> str:
    """The day as short_date, then the time: "Dec 1, 3:05 p.m."."""
    if not value:
        return ""
    value = _local(value)
    text = dateformat.format(value, _day_format(value, timezone.localdate()) + ", P")
    return text.replace(" ", NO_BREAK)
