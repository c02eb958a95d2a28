"""The SQLite fallback's percentiles agree with PostgreSQL's percentile_cont."""

import pytest
from django.db import connection

from reports.aggregates import percentile_cont

SAMPLES = [[12.0, 22.0, 36.0], [1.0, 1.0, 2.0, 1.0, 1.0], [4.0, 8.0, 4.0, 3.0], [2.5], []]


@pytest.mark.django_db
@pytest.mark.parametrize("values", SAMPLES)
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_python_percentile_matches_postgresql(values, fraction):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) AS v",
            [fraction, values],
        )
        expected = cursor.fetchone()[0]

    assert percentile_cont(sorted(values), fraction) == pytest.approx(expected)
