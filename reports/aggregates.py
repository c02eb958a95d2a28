"""Database expressions for the reports: elapsed days and percentiles.

PostgreSQL is the real target (percentile_cont in the database). SQLite, used only by the
embedded `make run`, has no ordered-set aggregates: there the percentiles are computed in
Python from the durations (fine for demo-sized data).
"""

from django.db.models import F, FloatField, Func


class ElapsedDays(Func):
    """Days (fractional) from one timestamp column to another; null when either is null."""

    output_field = FloatField()
    arg_joiner = " - "
    # DATE_PART gives a double; EXTRACT gives numeric since PostgreSQL 14, several times
    # slower to compute and to sort for the percentiles.
    template = "DATE_PART('epoch', %(expressions)s) / 86400.0"

    def __init__(self, start: str, end: str):
        super().__init__(F(end), F(start))

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            arg_joiner=") - JULIANDAY(",
            template="(JULIANDAY(%(expressions)s))",
            **extra_context,
        )


def percentile_cont(sorted_values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont in Python: linear interpolation between closest ranks."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * weight
