"""Database expressions for the reports: elapsed days and percentiles.

A stage's duration counts in whole hundredths of a day (centidays, rounded half up: the
figures are shown to 0.01 day), so the stage histograms (migration reports 0006) hold each
duration exactly. Median and 90th percentile are percentile_cont of those durations (linear
interpolation between the closest ranks), divided by 100: each is within 0.005 day of
percentile_cont of the unrounded durations (rounding moves every value, hence every order
statistic, by at most 0.005). PostgreSQL is the real target; SQLite, used only by the
embedded `make run`, gets the same figures computed in Python.
"""

import datetime
import math

from django.db.models import F, Func, IntegerField


class ElapsedCentidays(Func):
    """A stage's duration in centidays (PostgreSQL), as `centidays` computes it in Python;
    less the durations named in `paused` (the time the stage awaited information)."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "FLOOR(DATE_PART('epoch', %(expressions)s) / 864.0 + 0.5)::integer"

    def __init__(self, start: str, end: str, *paused: str):
        super().__init__(F(end), F(start), *(F(name) for name in paused))


def centidays(
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    paused: datetime.timedelta = datetime.timedelta(0),
) -> int | None:
    """The duration from `start` to `end`, less `paused`, in centidays (None when either is
    unset)."""
    if start is None or end is None:
        return None
    return math.floor((end - start - paused).total_seconds() / 864.0 + 0.5)


def percentile_of_counts(counts: list[tuple[int, int]], fraction: float) -> float | None:
    """percentile_cont of the values of a histogram, (value, count) in value order: exactly
    as PostgreSQL computes it over the values themselves (the same operations in doubles)."""
    total = sum(count for _, count in counts)
    if not total:
        return None
    position = fraction * (total - 1)
    lower, upper = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, count in counts:
        seen += count
        if low is None and seen > lower:
            low = float(value)
        if seen > upper:
            high = float(value)
            break
    if lower == upper:
        return low
    return low + (position - lower) * (high - low)
