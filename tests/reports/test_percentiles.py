"""The percentiles: from the stage histograms (migration reports 0006) as from the durations,
within half a hundredth of a day of the unrounded ones; the SQLite fallbacks (embedded
`make run`) agree with what PostgreSQL computes."""

from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from reports import postgres, queries
from reports.access import report_viewer
from reports.aggregates import percentile_of_counts
from reports.filters import ReportFilters
from reports.rollups import rollup_counts
from reports.selectors import report_referrals
from tests.factories import (
    PathologyReviewFactory,
    RecommendationFactory,
    UserFactory,
    member,
)
from tests.reports.conftest import Role, Status, make_referral
from tests.reports.test_query_count import bulk_referrals
from tests.reports.test_summary import summary_for

SAMPLES = [[1200, 2200, 3600], [100, 100, 200, 100, 100], [400, 800, 400, 300], [250], [],
           [101, 437, 437, 9001, 12, 12, 12, 77, 5000, 3]]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("values", SAMPLES)
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_percentile_of_a_histogram_is_postgresql_percentile_cont_of_its_values(values, fraction):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) AS v",
            [fraction, values],
        )
        expected = cursor.fetchone()[0]

    histogram = sorted(Counter(values).items())
    assert percentile_of_counts(histogram, fraction) == expected  # to the last bit


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


# Durations with fractions of a second and few ties: each stage's days differ per referral.
SPREAD_MILESTONES = """
UPDATE referrals_referral SET
    accepted_at = submitted_at + make_interval(secs => (id * 7919 % 100003) * 1.37),
    review_started_at = submitted_at + make_interval(secs => 200000 + (id * 104729 % 99991) * 3.1),
    recommendation_issued_at = submitted_at + make_interval(secs => 9e5 + (id * 7 % 997) * 911.3),
    returned_at = submitted_at + make_interval(secs => 19e5 + (id * 13 % 1009) * 97.7)
WHERE submitted_at IS NOT NULL AND recommendation_issued_at IS NOT NULL
"""


# The exact percentiles of the unrounded durations in days, as one hand-written query would.
EXACT_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
    ORDER BY DATE_PART('epoch', {end} - {start}) / 86400.0)
FROM referrals_referral WHERE submitted_at IS NOT NULL AND {condition}
"""


def exact_percentiles(stage: str, condition: str = "true") -> tuple:
    _, _, start, end = next(s for s in queries.STAGES if s[0] == stage)
    with connection.cursor() as cursor:
        cursor.execute(EXACT_SQL.format(start=start, end=end, condition=condition))
        return tuple(cursor.fetchone()[0] or (None, None))


def stage_figures(summary: dict) -> dict:
    return {
        s["stage"]: (s["count"], s["median"], s["p90"])
        for s in summary["turnaround_days"]["stages"]
    }


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 2, 5, 40, 301])
def test_percentiles_from_the_histograms_are_those_of_the_durations(count):
    coordinator = bulk_referrals(count)
    with connection.cursor() as cursor:
        cursor.execute(SPREAD_MILESTONES)
    superuser = UserFactory(is_superuser=True)
    center_id = report_viewer(user=coordinator).centers[0]
    for user, filters, condition in [
        (superuser, ReportFilters(), "true"),
        (superuser, ReportFilters(cancer_site="lung"), "cancer_site = 'lung'"),
        (coordinator, ReportFilters(), f"receiving_center_id = {center_id}"),
    ]:
        viewer = report_viewer(user=user)
        referrals = report_referrals(viewer=viewer, filters=filters)
        with transaction.atomic():
            from_histograms = rollup_counts(referrals, viewer=viewer, filters=filters)
        counted = queries.referral_figures(referrals)

        # percentile_cont of the durations in centidays, to the last bit.
        assert from_histograms["percentiles"] == counted
        for stage, *_ in queries.STAGES:
            exact = exact_percentiles(stage, condition)
            shown = [counted[f"median_{stage}"], counted[f"p90_{stage}"]]
            for figure, exact_figure in zip(shown, exact, strict=True):
                if exact_figure is None:
                    assert figure is None
                    continue
                # Within half a centiday of the unrounded percentile (each duration moved
                # by at most that much), so the figure shown differs by 0.01 at most.
                assert abs(figure - exact_figure) <= 0.005 + 1e-9
                assert abs(round(figure, 2) - round(exact_figure, 2)) <= 0.01 + 1e-9
        assert stage_figures(summary_for(user, **filters.as_query())) == {
            stage: tuple(
                _rounded(counted[f"{figure}_{stage}"]) for figure in ("count", "median", "p90")
            )
            for stage, *_ in queries.STAGES
        }


@pytest.mark.django_db
def test_a_duration_counts_in_hundredths_of_a_day_rounded_half_up():
    bulk_referrals(5)
    # Submitted to accepted: 1 day and 431 s (1.00499 d), 1 day and 432 s (1.005 d: up),
    # 2 days, 3 days, 10 days.
    seconds = [86400 + 431, 86400 + 432, 2 * 86400, 3 * 86400, 10 * 86400]
    with connection.cursor() as cursor:
        for rank, duration in enumerate(seconds):
            cursor.execute(
                "UPDATE referrals_referral SET accepted_at = submitted_at + make_interval("
                "secs => %s) WHERE id = (SELECT id FROM referrals_referral ORDER BY id "
                "OFFSET %s LIMIT 1)",
                [duration, rank],
            )
        cursor.execute(
            "SELECT stage, centidays, SUM(referrals) FROM reports_stage_histogram"
            " WHERE referring_organization_id = 0"
            " AND cancer_site = '' AND stage = 'triage' GROUP BY 1, 2 ORDER BY 2"
        )
        histogram = [(centidays, count) for _, centidays, count in cursor.fetchall()]
    assert histogram == [(100, 1), (101, 1), (200, 1), (300, 1), (1000, 1)]
    triage = stage_figures(summary_for(UserFactory(is_superuser=True)))["triage"]
    # Median: the third of five (2 days); 90th: 3 + 0.6 × (10 − 3) days.
    assert triage == (5, 2.0, 7.2)


def _rounded(value):
    return None if value is None else round(value, 2)


@pytest.mark.django_db
def test_every_referral_linked_counts_agree_with_matching_each_to_a_referral(known_data):
    draft, r1 = known_data.referrals["draft"], known_data.referrals["r1"]
    # Not submitted, yet with a signed recommendation and review, and a further opinion
    # drafted after r1: none of them counts, whichever way the figures are computed.
    specialist = member(known_data.center_a, Role.SPECIALIST)
    RecommendationFactory(referral=draft, author=specialist, third_opinion_suggested=True)
    pathologist = member(known_data.center_a, Role.PATHOLOGIST)
    PathologyReviewFactory(
        referral=draft, pathologist=pathologist, discrepancy="major", signed_by=pathologist,
        signed_at=timezone.now(), review_diagnosis="Carcinoma",
    )  # fmt: skip
    make_referral(
        known_data, "r1b", center=known_data.center_b, status=Status.DRAFT, site="breast",
        reasons=["other"], submitted_day=None, opinion_number=3, previous_referral=r1,
    )  # fmt: skip
    superuser = UserFactory(is_superuser=True)
    referrals = report_referrals(viewer=report_viewer(user=superuser), filters=ReportFilters())

    every = postgres.linked_counts(referrals, every_referral=True)
    matched = postgres.linked_counts(referrals)

    assert every == matched
    assert (matched["in_force"], matched["suggesting_third_opinion"]) == (3, 1)
    assert (matched["signed_reviews"], matched["major_discrepancies"]) == (2, 1)
    assert matched["followed"] == 1  # r3, by r3b
    assert summary_for(superuser)["concordance"]["recommendations"] == 3
