"""The SQLite fallbacks (embedded `make run`) agree with what PostgreSQL computes."""

import pytest
from django.db import connection

from reports import queries
from reports.access import report_viewer
from reports.aggregates import percentile_cont
from reports.filters import ReportFilters
from reports.selectors import report_referrals

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


@pytest.mark.django_db
def test_sqlite_fallbacks_give_the_same_figures_as_postgresql(known_data, center_a_coordinator):
    viewer = report_viewer(user=center_a_coordinator)
    referrals = report_referrals(viewer=viewer, filters=ReportFilters())

    in_database = queries.referral_figures(referrals)
    in_python = queries._percentiles_in_python(referrals)
    for name, value in in_python.items():
        assert value == pytest.approx(in_database[name]), name
    grouped = queries.grouped_counts(referrals)
    one_by_one = queries._grouped_counts_one_by_one(referrals)
    assert sorted(grouped["centers"]) == sorted(one_by_one["centers"])
    assert grouped["submitted_weeks"] == one_by_one["submitted_weeks"]
    assert grouped["issued_weeks"] == one_by_one["issued_weeks"]
    breakdowns = ["status", "overdue", "cancer_site", "reasons", "totals", "recommendations"]
    for breakdown in [*breakdowns, "pathology", "followed"]:
        assert grouped[breakdown] == one_by_one[breakdown], breakdown
