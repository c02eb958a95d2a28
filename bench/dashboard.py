"""Benchmark: the report summary endpoint at a million referrals, against hand-written SQL.

    make services   # PostgreSQL up
    .venv/bin/python bench/dashboard.py [--referrals 1000000] [--reload] [--repeat 5]
    # growth run (not in CI): in another database, 5,000,000 referrals
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/so_bench_reports_5m \
        .venv/bin/python bench/dashboard.py --referrals 5000000

It creates (when missing) and migrates its own database (default so_bench_reports, never the
development or test one), loads the referrals with their events, recommendations,
pathology reviews, consults (some after a missed appointment) and slides due back, with
INSERT ... SELECT generate_series as bench.database.bulk_load does (triggers off, indexes
built after, rollups rebuilt in one statement each; kept between runs unless --reload or
another --referrals), then times GET /api/v1/reports/summary/ through Django's full request
stack against a baseline in the same run: ONE hand-written SQL query
computing the headline figures (every stage's median and 90th percentile, totals, rates).
It checks that both give the same figures and prints the median of --repeat runs of each;
the last line is their ratio. Target: at most 0.12. Not run by the test suite: timings
belong here, not in tests.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/so_bench_reports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from bench.database import bench_people, bulk_load, ensure_database  # noqa: E402

ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from referrals.models import Consultation, Referral  # noqa: E402
from reports.queries import REPORT_SETTINGS, tune_report_transaction  # noqa: E402

PRACTICES, CENTERS = 20, 10
SITES = ["breast", "lung", "colorectal", "prostate", "pancreas", "melanoma", "lymphoma", "other"]
REASONS = ["complex_diagnosis", "non_specialist_oncologist", "recurrence_or_progression",
           "clinical_trial_interest", "patient_uncertainty", "other"]  # fmt: skip


# Referral i: status from i % 20 (a realistic mix), milestones a few random days apart,
# submitted over the last two years. setseed makes every load the same.
LOAD_SQL = [
    "SELECT setseed(0.42)",
    """
    INSERT INTO referrals_patient (uuid, organization_id, mrn, given_name, family_name,
        date_of_birth, sex, phone, email, preferred_language, consent_to_share_records,
        consent_to_share_recorded_at, consent_to_record_consult, support_person_name,
        support_person_relation, created_at, updated_at)
    SELECT gen_random_uuid(), (%(practices)s::bigint[])[1 + i %% %(n_practices)s], 'B' || i,
        'Bench', 'Patient ' || i, DATE '1960-01-01' + (i %% 9000)::int, 'unknown', '', '',
        'English', true, now(), true, '', '', now(), now()
    FROM generate_series(1, %(n)s) AS i
    """,
    """
    CREATE TEMP TABLE bench_plan AS
    SELECT p.id AS patient_id, p.organization_id, row_number() OVER (ORDER BY p.id) AS i,
        now() - interval '730 days' * random() AS submitted,
        interval '1 day' * (0.2 + random() * 4) AS triage,
        interval '1 day' * (1 + random() * 10) AS records,
        interval '1 day' * (3 + random() * 25) AS review,
        interval '1 day' * (0.5 + random() * 7) AS return_gap
    FROM referrals_patient p WHERE p.mrn LIKE 'B%%'
    """,
    """
    INSERT INTO referrals_referral (uuid, reference, patient_id, referring_oncologist_id,
        referring_organization_id, receiving_center_id, specialist_id, opinion_number,
        cancer_site, diagnosis, stage, reasons, clinical_question, initiated_by, urgency,
        modality, status, decline_reason, cancel_reason, decline_reason_code, cancel_reason_code,
        created_by_id, created_at, updated_at, submitted_at, accepted_at, declined_at,
        review_started_at, recommendation_issued_at, returned_at, monitoring_started_at,
        closed_at, cancelled_at, next_due)
    SELECT gen_random_uuid(), 'SO-B-' || lpad(i::text, 9, '0'), patient_id,
        (%(oncologists)s::bigint[])[1 + i %% %(n_practices)s], organization_id,
        (%(centers)s::bigint[])[1 + i %% %(n_centers)s],
        (%(specialists)s::bigint[])[1 + i %% %(n_centers)s], 2,
        (%(sites)s::text[])[1 + i %% %(n_sites)s], 'Carcinoma', '',
        to_jsonb(ARRAY[(%(reasons)s::text[])[1 + i %% 6]]
                 || CASE WHEN i %% 3 = 0 THEN ARRAY[(%(reasons)s::text[])[1 + (i / 7) %% 6]]
                         ELSE ARRAY[]::text[] END),
        '', 'physician', 'routine', 'virtual', status, decline_reason, cancel_reason,
        decline_reason_code, cancel_reason_code,
        (%(oncologists)s::bigint[])[1 + i %% %(n_practices)s], submitted, now(),
        submitted,
        CASE WHEN stage >= 1 THEN submitted + triage END,
        CASE WHEN status = 'declined' THEN submitted + triage END,
        CASE WHEN stage >= 2 THEN submitted + triage + records END,
        CASE WHEN stage >= 3 THEN submitted + triage + records + review END,
        CASE WHEN stage >= 4 THEN submitted + triage + records + review + return_gap END,
        CASE WHEN status = 'monitoring' THEN submitted + triage + records + review + return_gap
             + interval '1 day' END,
        CASE WHEN status = 'closed' THEN submitted + triage + records + review + return_gap
             + interval '2 days' END,
        CASE WHEN status = 'cancelled' THEN submitted + triage END,
        CASE WHEN status IN ('submitted', 'accepted', 'under_review', 'recommendation_issued',
                             'monitoring')
             THEN current_date - 20 + (i %% 40)::int END
    FROM (
        SELECT plan.*,
            (ARRAY['submitted', 'accepted', 'accepted', 'under_review', 'under_review',
                   'recommendation_issued', 'returned', 'returned', 'monitoring', 'monitoring',
                   'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed',
                   'declined', 'cancelled', 'closed'])[1 + i %% 20] AS status,
            (ARRAY[0, 1, 1, 2, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 4])[1 + i %% 20]
                AS stage,
            CASE WHEN i %% 20 = 17 THEN 'Outside our programme.' ELSE '' END AS decline_reason,
            CASE WHEN i %% 20 = 18 THEN 'Patient withdrew.' ELSE '' END AS cancel_reason,
            CASE WHEN i %% 20 = 17 THEN 'no_capacity' ELSE '' END AS decline_reason_code,
            CASE WHEN i %% 20 = 18 THEN 'patient_withdrew' ELSE '' END AS cancel_reason_code
        FROM bench_plan AS plan
    ) AS planned
    """,
    # About 1 %% of issued second opinions are followed by a third opinion at another center.
    """
    UPDATE referrals_referral AS r SET opinion_number = 3, previous_referral_id = previous.id
    FROM referrals_referral AS previous
    WHERE r.id %% 97 = 0 AND previous.id = r.id - 1 AND r.reference LIKE 'SO-B-%%'
      AND previous.recommendation_issued_at IS NOT NULL
      AND previous.receiving_center_id <> r.receiving_center_id
    """,
    """
    INSERT INTO referrals_referralevent (referral_id, kind, actor_id, from_status, to_status,
        note, data, recorded_at, occurred_at)
    SELECT r.id, e.kind, NULL, e.from_status, e.to_status, '', '{}'::jsonb, e.at, e.at
    FROM referrals_referral AS r CROSS JOIN LATERAL (VALUES
        ('submit', 'draft', 'submitted', r.submitted_at),
        ('accept', 'submitted', 'accepted', r.accepted_at),
        ('decline', 'submitted', 'declined', r.declined_at),
        ('start_review', 'accepted', 'under_review', r.review_started_at),
        ('issue_recommendation', 'under_review', 'recommendation_issued',
         r.recommendation_issued_at),
        ('acknowledge_return', 'recommendation_issued', 'returned', r.returned_at),
        ('start_monitoring', 'returned', 'monitoring', r.monitoring_started_at),
        ('close', 'returned', 'closed', r.closed_at),
        ('cancel', 'submitted', 'cancelled', r.cancelled_at)
    ) AS e(kind, from_status, to_status, at)
    WHERE e.at IS NOT NULL AND r.reference LIKE 'SO-B-%%'
    """,
    """
    INSERT INTO referrals_recommendation (uuid, referral_id, version, author_id, concordance,
        summary, treatment_options, further_testing, clinical_trials, third_opinion_suggested,
        specialist_follows, update_interval_days, amendment_reason, patient_summary,
        created_at, signed_at, superseded_at)
    SELECT gen_random_uuid(), r.id, 1, r.specialist_id,
        (ARRAY['concurs', 'concurs', 'concurs', 'concurs', 'concurs', 'concurs', 'modifies',
               'modifies', 'modifies', 'differs'])[1 + r.id %% 10],
        'Bench recommendation', '', '',
        CASE WHEN r.id %% 6 = 0 THEN '["NCT01234567"]'::jsonb ELSE '[]'::jsonb END,
        r.id %% 25 = 0, r.status = 'monitoring',
        CASE WHEN r.status = 'monitoring' THEN 30 END, '', '', r.recommendation_issued_at,
        r.recommendation_issued_at, NULL
    FROM referrals_referral AS r
    WHERE r.recommendation_issued_at IS NOT NULL AND r.reference LIKE 'SO-B-%%'
    """,
    """
    INSERT INTO referrals_pathologyreview (uuid, referral_id, pathologist_id, requested_by_id,
        requested_at, specimens_reviewed, original_diagnosis, review_diagnosis, discrepancy,
        additional_tests, comments, signed_at, signed_by_id)
    SELECT gen_random_uuid(), r.id, path.id, path.id, r.review_started_at, 'Slides', 'Carcinoma',
        'Carcinoma', (ARRAY['none', 'none', 'none', 'none', 'none', 'none', 'minor', 'minor',
                            'major', 'none'])[1 + r.id %% 10],
        '', '', r.review_started_at + interval '2 days', path.id
    FROM referrals_referral AS r
    JOIN LATERAL (SELECT (%(pathologists)s::bigint[])[1 + r.id %% %(n_centers)s] AS id) AS path
        ON true
    WHERE r.recommendation_issued_at IS NOT NULL AND r.id %% 2 = 0
      AND r.reference LIKE 'SO-B-%%'
    """,
    # A consult for every referral whose review started: held once the recommendation is
    # issued (one in ten after a missed earlier appointment), else one in five missed.
    """
    INSERT INTO referrals_consultation (uuid, referral_id, modality, scheduled_for, completed_at,
        support_person_present, recording_consented, notes, updated_at, attendance)
    SELECT gen_random_uuid(), r.id, 'virtual', r.review_started_at + interval '1 day',
        CASE WHEN r.recommendation_issued_at IS NOT NULL
             THEN r.review_started_at + interval '1 day' END,
        false, false, '', now(),
        CASE WHEN r.recommendation_issued_at IS NOT NULL THEN 'attended'
             WHEN r.id %% 5 = 0 THEN 'no_show' ELSE 'scheduled' END
    FROM referrals_referral AS r
    WHERE r.review_started_at IS NOT NULL AND r.reference LIKE 'SO-B-%%'
    """,
    """
    INSERT INTO referrals_consultationappointment (uuid, consultation_id, modality,
        scheduled_for, join_link, place, attendance, recorded_at)
    SELECT gen_random_uuid(), c.id, 'virtual', c.scheduled_for - interval '7 days', '', '',
        'no_show', c.scheduled_for - interval '7 days'
    FROM referrals_consultation AS c WHERE c.attendance = 'attended' AND c.id %% 10 = 0
    """,
    # Slides of the referrals with a pathology review, due back 14 days after the
    # recommendation: returned (one in eight late), or still at the center if recent.
    """
    INSERT INTO referrals_recorditem (uuid, referral_id, kind, description, required, status,
        waived_reason, carrier, tracking_number, specimen_identifiers, received_at,
        returned_at, return_due, created_at, updated_at)
    SELECT gen_random_uuid(), r.id, 'pathology_slides', '', true,
        CASE WHEN r.recommendation_issued_at > now() - interval '20 days' THEN 'received'
             ELSE 'returned' END,
        '', '', '', '', r.accepted_at,
        CASE WHEN r.recommendation_issued_at <= now() - interval '20 days'
             THEN r.recommendation_issued_at
                 + interval '1 day' * CASE WHEN r.id %% 8 = 0 THEN 18 ELSE 9 END END,
        (r.recommendation_issued_at + interval '14 days')::date, r.accepted_at, now()
    FROM referrals_referral AS r
    WHERE r.recommendation_issued_at IS NOT NULL AND r.id %% 2 = 0
      AND r.reference LIKE 'SO-B-%%'
    """,
    "DROP TABLE bench_plan",
]

# The baseline: one hand-written query for the headline figures of the whole data set. Its
# percentiles follow the report's documented definition (README, reports.aggregates):
# percentile_cont of each stage's duration in hundredths of a day, rounded half up.
CENTIDAYS = "FLOOR(DATE_PART('epoch', {end} - {start}) / 864.0 + 0.5)"
BASELINE_STAGES = [
    ("total", "submitted_at", "recommendation_issued_at"),
    ("triage", "submitted_at", "accepted_at"),
    ("records", "accepted_at", "review_started_at"),
    ("review", "review_started_at", "recommendation_issued_at"),
    ("return", "recommendation_issued_at", "returned_at"),
]
BASELINE_SQL = """
WITH scoped AS (
    SELECT r.*, {durations}
    FROM referrals_referral AS r WHERE r.submitted_at IS NOT NULL
)
SELECT
    COUNT(*) AS total,
    COUNT(*) FILTER (WHERE status IN ('submitted', 'accepted', 'under_review',
        'recommendation_issued', 'monitoring') AND next_due < CURRENT_DATE) AS overdue,
    {percentiles},
    COUNT(returned_at) FILTER (WHERE recommendation_issued_at IS NOT NULL)::float
        / NULLIF(COUNT(recommendation_issued_at), 0) AS return_rate,
    (SELECT COUNT(*) FILTER (WHERE concordance = 'concurs')::float / NULLIF(COUNT(*), 0)
       FROM referrals_recommendation
      WHERE signed_at IS NOT NULL AND superseded_at IS NULL) AS concurs_share,
    (SELECT COUNT(*) FILTER (WHERE discrepancy = 'major')::float / NULLIF(COUNT(*), 0)
       FROM referrals_pathologyreview WHERE signed_at IS NOT NULL) AS major_discrepancy_rate
FROM scoped
""".format(
    durations=", ".join(
        f"{CENTIDAYS.format(start=start, end=end)} AS {stage}_centidays"
        for stage, start, end in BASELINE_STAGES
    ),
    percentiles=",\n    ".join(
        f"PERCENTILE_CONT({fraction}) WITHIN GROUP (ORDER BY {stage}_centidays) / 100.0"
        for stage, *_ in BASELINE_STAGES
        for fraction in (0.5, 0.9)
    ),
)


def headline(summary: dict) -> list:
    """The endpoint's figures that the baseline computes, in the baseline's order."""
    stages = summary["turnaround_days"]["stages"]
    return [
        summary["total"],
        summary["overdue"]["total"],
        *[stage[figure] for stage in stages for figure in ("median", "p90")],
        summary["return"]["rate"],
        summary["concordance"]["shares"]["concurs"],
        summary["pathology"]["major_discrepancy_rate"],
    ]


def baseline_headline(row: tuple) -> list:
    """The baseline's figures, rounded as the summary shows them."""
    total, overdue, *percentiles = row[:12]
    rates = row[12:]
    return [
        total,
        overdue,
        *[None if value is None else round(value, 2) for value in percentiles],
        *[None if value is None else round(value, 4) for value in rates],
    ]


def load(count: int, people: dict) -> None:
    params = {
        "n": count,
        "practices": people["practices"],
        "centers": people["centers"],
        "oncologists": people["oncologists"],
        "specialists": people["specialists"],
        "pathologists": people["pathologists"],
        "n_practices": PRACTICES,
        "n_centers": CENTERS,
        "sites": SITES,
        "n_sites": len(SITES),
        "reasons": REASONS,
    }
    with connection.cursor() as cursor:
        bulk_load(cursor, LOAD_SQL, params)


def clear() -> None:
    with connection.cursor() as cursor:
        # The event table refuses deletes row by row (append-only trigger); TRUNCATE is the
        # benchmark's own reset of its own database.
        cursor.execute(
            "TRUNCATE referrals_referralevent, referrals_recommendation, "
            "referrals_pathologyreview, referrals_referral, referrals_patient CASCADE"
        )


def timed(action, repeat: int) -> tuple[float, object]:
    action()  # warm the caches once; then the median of `repeat` runs
    durations, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--reload", action="store_true", help="drop and load the data again")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.referrals < 1:
        parser.error("--referrals must be at least 1")

    database = connection.settings_dict["NAME"]
    print(f"database: {database}")
    call_command("migrate", verbosity=0)
    people = bench_people(practices=PRACTICES, centers=CENTERS)
    loaded = Referral.objects.filter(reference__startswith="SO-B-").count()
    # A database loaded before the bench had consults (and slides) is loaded again.
    if args.reload or loaded != args.referrals or not Consultation.objects.exists():
        print(f"loading {args.referrals:,} referrals (found {loaded:,})")
        clear()
        load(args.referrals, people)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM referrals_referralevent")
        events = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM referrals_consultation),"
            " (SELECT COUNT(*) FROM referrals_recorditem)"
        )
        consults, items = cursor.fetchone()
    print(
        f"data: {Referral.objects.count():,} referrals, {events:,} events, "
        f"{consults:,} consults, {items:,} slide records"
    )
    print(f"session settings of both: {REPORT_SETTINGS}")
    print(
        "indexes of both: migrations reports 0001, 0004; the baseline computes its percentiles "
        "with percentile_cont (the natural single query), the endpoint reads them from the "
        "stage histograms and every count from the level counts, summed over the centers "
        "(migrations reports 0006, 0008 to 0012)"
    )

    client = Client()
    client.force_login(people["admin"])

    def endpoint():
        response = client.get("/api/v1/reports/summary/")
        assert response.status_code == 200, response.content[:300]
        return response.json()

    def baseline():
        # Under the same session settings as the endpoint's queries: a like-for-like race.
        with transaction.atomic():
            tune_report_transaction()
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_SQL)
                return cursor.fetchone()

    endpoint_seconds, summary = timed(endpoint, args.repeat)
    baseline_seconds, row = timed(baseline, args.repeat)
    figures, expected = headline(summary), baseline_headline(row)
    print(f"endpoint figures: {figures}")
    print(f"baseline figures: {expected}")
    print(f"figures identical: {'yes' if figures == expected else 'NO'}")

    coordinator = Client()
    coordinator.force_login(people["coordinator"])
    scoped_seconds, _ = timed(
        lambda: coordinator.get("/api/v1/reports/summary/").json(), args.repeat
    )
    etag = client.get("/api/v1/reports/summary/")["ETag"]

    def revalidated():
        response = client.get("/api/v1/reports/summary/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304, response.status_code

    revalidated_seconds, _ = timed(revalidated, args.repeat)
    print(f"summary endpoint (one center's coordinator):  {scoped_seconds:.3f} s")
    print(f"unchanged summary revalidated (304):          {revalidated_seconds:.4f} s")
    print(f"baseline hand-written SQL (headline only):    {baseline_seconds:.3f} s")
    print(f"summary endpoint (all referrals, superuser):  {endpoint_seconds:.3f} s")
    ratio = endpoint_seconds / baseline_seconds
    verdict = "met" if ratio <= 0.12 and figures == expected else "NOT met"
    print(f"ratio endpoint / baseline: {ratio:.3f} (target <= 0.12, same figures: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
