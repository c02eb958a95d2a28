"""The report's queries in PostgreSQL: four, each an index-only pass over the scoped
referrals (the covering indexes of migration reports 0001: narrower than the table, and
without its wide rows to decode).

Queries 1, 3 and 4 are the fallback: the report reads its counts, weekly series,
recommendations and reviews from the rollups (reports.rollups, migrations reports 0003 and
0006) whenever they apply; query 2, when the report has a period (or a scope that no level of
the stage histograms holds).

1. `referral_counts`: a plain GROUP BY over the few dimensions (center, status, site,
   reasons, overdue, issued, returned, second opinion, turnaround bucket), with each stage's
   count; every breakdown and total is a sum of its few thousand rows, added up in Python.
   (PostgreSQL counts it in one process: it expects far more groups than there are;
   parallel counting was measured no faster on the 2-core development machine under load.)
2. `stage_percentiles`: per-stage median and 90th percentile, percentile_cont of the
   durations in centidays (reports.aggregates), in three UNION ALL branches that PostgreSQL
   runs side by side (Parallel Append: an ordered-set aggregate cannot be split across
   workers, separate ones can). The fallback of the stage histograms (reports.rollups).
3. `weekly_counts`: referrals submitted and recommendations issued per local week.
4. `linked_counts`: recommendations in force, signed pathology reviews, further opinions
   (for every submitted referral, without matching them to a million referrals).
"""

import datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from referrals.models import PathologyReview, Recommendation, Referral
from reports.aggregates import ElapsedCentidays
from reports.paused import PAUSED_IN_STAGE

SECONDS_PER_DAY = 86400

# Two stages per branch: three branches for the three processes (leader and two workers) of
# max_parallel_workers_per_gather = 2; one scan of the index serves both sorts of a branch.
STAGES_PER_BRANCH = 2
STAGE_FIGURES = (
    "COUNT({centidays}), PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {centidays})"
)
NO_STAGE = "NULL::bigint, NULL::float8[]"


def quote_name(name: str) -> str:
    return connection.ops.quote_name(name)


def _inner_sql(referrals: QuerySet[Referral], *fields: str) -> tuple[str, tuple]:
    return referrals.values(*fields).query.sql_with_params()


def stage_percentiles(referrals: QuerySet[Referral], stages: list[tuple]) -> dict:
    """Count, median and 90th percentile of days per stage: percentile_cont of the durations
    in centidays (reports.aggregates.ElapsedCentidays), in days; in one query."""
    branches, params = [], []
    for first in range(0, len(stages), STAGES_PER_BRANCH):
        chunk = stages[first : first + STAGES_PER_BRANCH]
        days = {
            f"days_{stage}": ElapsedCentidays(start, end, *PAUSED_IN_STAGE.get(stage, ()))
            for stage, _, start, end in chunk
        }
        inner, inner_params = referrals.annotate(**days).values(*days).query.sql_with_params()
        figures = [STAGE_FIGURES.format(centidays=f"scoped.{quote_name(name)}") for name in days]
        figures += [NO_STAGE] * (STAGES_PER_BRANCH - len(chunk))
        branches.append(f"SELECT %s, {', '.join(figures)} FROM ({inner}) AS scoped")
        params += [first, *inner_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        rows = cursor.fetchall()
    figures = {}
    for first, *values in rows:
        for offset, (stage, *_) in enumerate(stages[first : first + STAGES_PER_BRANCH]):
            count, percentiles = values[2 * offset : 2 * offset + 2]
            median, p90 = percentiles or (None, None)
            figures[f"count_{stage}"] = count
            # Divided as reports.queries.histogram_figures does: the same doubles.
            figures[f"median_{stage}"] = None if median is None else median / 100.0
            figures[f"p90_{stage}"] = None if p90 is None else p90 / 100.0
    return figures


# Counted first, then matched to the (few) centers: MATERIALIZED keeps the planner from
# sorting a million rows to merge-join them with the centers.
COUNTS_SQL = """
WITH counted AS MATERIALIZED (
    SELECT receiving_center_id, status, cancer_site, reasons,
        COALESCE(next_due < %s, false) AS overdue,
        recommendation_issued_at IS NOT NULL AS issued,
        returned_at IS NOT NULL AS returned,
        opinion_number = 2 AS second_opinion,
        WIDTH_BUCKET(DATE_PART('epoch', recommendation_issued_at - submitted_at), %s) AS bucket,
        COUNT(*) AS referrals, {stage_counts}
    FROM ({inner}) AS scoped
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
)
SELECT center.uuid, center.name, counted.*
FROM counted JOIN accounts_organization AS center ON center.id = counted.receiving_center_id
"""


STAGE_COUNT = "COUNT(*) FILTER (WHERE {start} IS NOT NULL AND {end} IS NOT NULL) AS {name}"


def referral_counts(
    referrals: QuerySet[Referral], bucket_days: list[int], stages: list[tuple]
) -> list[dict]:
    """Referrals per combination of the report's dimensions (a few hundred rows).

    bucket: 1 for the first of `bucket_days`, 0 below it (a negative duration), None when
    not issued. count_<stage>: those with both milestones of the stage.
    """
    inner, inner_params = _inner_sql(
        referrals,
        "receiving_center_id", "status", "cancer_site", "reasons", "next_due",
        "recommendation_issued_at", "returned_at", "opinion_number", "submitted_at",
        "accepted_at", "review_started_at",
    )  # fmt: skip
    stage_counts = ", ".join(
        STAGE_COUNT.format(start=start, end=end, name=quote_name(f"count_{stage}"))
        for stage, _, start, end in stages
    )
    # Compared in seconds: exact, as a timestamp difference holds whole microseconds.
    bucket_seconds = [float(days * SECONDS_PER_DAY) for days in bucket_days]
    with connection.cursor() as cursor:
        cursor.execute(
            COUNTS_SQL.format(inner=inner, stage_counts=stage_counts),
            [timezone.localdate(), bucket_seconds, *inner_params],
        )
        return _dicts(cursor)


# The recommendations in force, the signed pathology reviews and the further opinions of the
# scoped referrals. Each is a merge join of two index-only scans in referral id order (the
# reports' covering indexes): hashing a million referral ids for each cost three times as
# much, hence enable_hashjoin off for the report (REPORT_SETTINGS). Each row weighs 1; for
# every submitted referral (unscoped, unfiltered) see EVERY_REFERRAL_ROWS.
LINKED_SQL = """
SELECT recommendations.*, reviews.*, further.*
FROM (
    SELECT COALESCE(SUM(weight), 0) AS in_force,
        COALESCE(SUM(weight) FILTER (WHERE clinical_trials <> '[]'), 0) AS naming_a_trial,
        COALESCE(SUM(weight) FILTER (WHERE third_opinion_suggested), 0)
            AS suggesting_third_opinion,
        {concordances}
    FROM ({recommendations}) AS in_force
) AS recommendations, (
    SELECT COALESCE(SUM(weight), 0) AS signed_reviews,
        COALESCE(SUM(weight) FILTER (WHERE discrepancy = %(major)s), 0) AS major_discrepancies
    FROM ({reviews}) AS signed
) AS reviews, ({further}) AS further
"""
CONCORDANCE = (
    "COALESCE(SUM(weight) FILTER (WHERE concordance = %(concordance_{index})s), 0) AS {name}"
)
RECOMMENDATIONS = (
    "referrals_recommendation",
    "linked.clinical_trials, linked.third_opinion_suggested, linked.concordance",
    "linked.signed_at IS NOT NULL AND linked.superseded_at IS NULL",
)
REVIEWS = ("referrals_pathologyreview", "linked.discrepancy", "linked.signed_at IS NOT NULL")
SCOPED_ROWS = """
SELECT 1 AS weight, {columns} FROM {table} AS linked
WHERE {condition} AND linked.referral_id IN ({scoped})
"""
SCOPED_FURTHER = """
SELECT COUNT(DISTINCT previous_referral_id) AS followed
FROM referrals_referral
WHERE submitted_at IS NOT NULL AND previous_referral_id IN ({issued_second_opinions})
"""
# For every submitted referral: all the rows, less (weight -1) those of referrals not
# submitted (drafts: few), instead of matching all of them to a million referrals; the
# further opinions from the (few) referrals naming a previous one (the redundant IS NOT NULL
# makes the planner start from them, through their index, rather than merge-join all).
EVERY_REFERRAL_ROWS = """
SELECT 1 AS weight, {columns} FROM {table} AS linked WHERE {condition}
UNION ALL
SELECT -1, {columns} FROM {table} AS linked
JOIN referrals_referral AS referral ON referral.id = linked.referral_id
WHERE {condition} AND referral.submitted_at IS NULL
"""
EVERY_FURTHER = """
SELECT COUNT(DISTINCT later.previous_referral_id) AS followed
FROM referrals_referral AS later
JOIN referrals_referral AS previous ON previous.id = later.previous_referral_id
WHERE later.submitted_at IS NOT NULL AND later.previous_referral_id IS NOT NULL
  AND previous.submitted_at IS NOT NULL AND previous.recommendation_issued_at IS NOT NULL
  AND previous.opinion_number = 2
"""


def linked_counts(referrals: QuerySet[Referral], every_referral: bool = False) -> dict:
    """Recommendations in force (with a trial, suggesting a third opinion, per concordance),
    signed pathology reviews (with a major discrepancy), and issued second opinions followed
    by a further opinion, of the scoped referrals.

    every_referral: `referrals` are all the submitted referrals, unscoped and unfiltered."""
    concordances = list(Recommendation.Concordance)
    params = {
        "major": PathologyReview.Discrepancy.MAJOR.value,
        **{f"concordance_{i}": value for i, value in enumerate(concordances)},
    }
    if every_referral:
        rows, further = EVERY_REFERRAL_ROWS, EVERY_FURTHER
    else:
        scoped, scoped_params = _inner_sql(referrals, "id")
        issued_second_opinions, issued_params = _inner_sql(
            referrals.filter(recommendation_issued_at__isnull=False, opinion_number=2), "id"
        )
        rows = SCOPED_ROWS.replace("{scoped}", _named(scoped, "scoped", len(scoped_params)))
        further = SCOPED_FURTHER.format(
            issued_second_opinions=_named(issued_second_opinions, "issued", len(issued_params))
        )
        params |= {f"scoped_{i}": value for i, value in enumerate(scoped_params)}
        params |= {f"issued_{i}": value for i, value in enumerate(issued_params)}
    sql = LINKED_SQL.format(
        concordances=",\n".join(
            CONCORDANCE.format(index=index, name=quote_name(concordance.value))
            for index, concordance in enumerate(concordances)
        ),
        recommendations=_rows(rows, *RECOMMENDATIONS),
        reviews=_rows(rows, *REVIEWS),
        further=further,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _dicts(cursor)[0]


def further_opinions_sql(
    referrals: QuerySet[Referral], every_referral: bool = False
) -> tuple[str, list]:
    """The query of linked_counts' `followed` alone (for reports.rollups), and its params."""
    if every_referral:
        return EVERY_FURTHER, []
    issued, params = _inner_sql(
        referrals.filter(recommendation_issued_at__isnull=False, opinion_number=2), "id"
    )
    return SCOPED_FURTHER.format(issued_second_opinions=issued), list(params)


def _rows(template: str, table: str, columns: str, condition: str) -> str:
    return (
        template.replace("{table}", table)
        .replace("{columns}", columns)
        .replace("{condition}", condition)
    )


def _dicts(cursor) -> list[dict]:
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _named(sql: str, prefix: str, count: int) -> str:
    """The ORM's SQL with its %s placeholders named prefix_0, prefix_1, ..."""
    return sql % tuple(f"%({prefix}_{index})s" for index in range(count))


# Truncating every timestamp to its local week converts each to the local time zone, which
# was most of this query's cost. Instead each is placed by a binary search (WIDTH_BUCKET)
# among the local week starts, as instants (daylight saving time included), from the first
# submission to next week; anything outside that range (none in practice) takes the exact
# slow path.
WEEK_OF = """
CASE WHEN {column} >= weeks.starts[1] AND {column} < weeks.starts[cardinality(weeks.starts)]
     THEN weeks.starts[WIDTH_BUCKET({column}, weeks.starts)]
     ELSE DATE_TRUNC('week', {column} AT TIME ZONE %s) AT TIME ZONE %s
END
"""
WEEKLY_SQL = """
SELECT {submitted_week} AS submitted_week, {issued_week} AS issued_week, COUNT(*)
FROM ({inner}) AS scoped CROSS JOIN (
    SELECT ARRAY(
        SELECT monday AT TIME ZONE %s
        FROM GENERATE_SERIES(
            DATE_TRUNC('week', COALESCE((SELECT MIN(submitted_at) FROM referrals_referral),
                                        now()) AT TIME ZONE %s),
            DATE_TRUNC('week', now() AT TIME ZONE %s) + INTERVAL '1 week',
            INTERVAL '1 week'
        ) AS monday
    ) AS starts
) AS weeks
GROUP BY 1, 2
"""


def weekly_counts(referrals: QuerySet[Referral]) -> tuple[dict, dict]:
    """Referrals submitted and recommendations issued per week (local Monday)."""
    inner, inner_params = _inner_sql(referrals, "submitted_at", "recommendation_issued_at")
    zone = timezone.get_current_timezone_name()
    sql = WEEKLY_SQL.format(
        submitted_week=WEEK_OF.format(column="scoped.submitted_at"),
        issued_week=WEEK_OF.format(column="scoped.recommendation_issued_at"),
        inner=inner,
    )
    submitted: dict[datetime.date, int] = {}
    issued: dict[datetime.date, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [zone] * 4 + list(inner_params) + [zone] * 3)
        for submitted_week, issued_week, count in cursor.fetchall():
            if submitted_week is not None:
                week = timezone.localdate(submitted_week)
                submitted[week] = submitted.get(week, 0) + count
            if issued_week is not None:
                week = timezone.localdate(issued_week)
                issued[week] = issued.get(week, 0) + count
    return submitted, issued
