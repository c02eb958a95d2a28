"""The rollups (migration reports 0003) follow every write to the referrals, and the summary
read from them gives the very figures counted from the referrals themselves."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.models import Count

from accounts.models import Membership
from referrals.models import PathologyReview, Recommendation, Referral
from reports.access import report_viewer
from reports.aggregates import centidays
from reports.filters import ReportFilters
from reports.queries import STAGES
from reports.selectors import report_summary
from tests.factories import RecommendationFactory, UserFactory, member
from tests.queries import counted_queries
from tests.reports.conftest import T0, days, make_referral, sign_review

Role = Membership.Role
Status = Referral.Status


def both_ways(user, filters: ReportFilters) -> tuple[dict, dict]:
    """The summary from the rollups and counted from the referrals (minus its timestamp)."""
    viewer = report_viewer(user=user)
    summaries = []
    for use_rollups in (True, False):
        summary = report_summary(viewer=viewer, filters=filters, use_rollups=use_rollups)
        summary.pop("generated_at")
        summaries.append(summary)
    return summaries[0], summaries[1]


def rolled_up_per_status() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, SUM(referrals) FROM reports_referral_rollup GROUP BY 1 "
            "HAVING SUM(referrals) <> 0"
        )
        return dict(cursor.fetchall())


def live_per_status() -> dict[str, int]:
    rows = (
        Referral.objects.filter(submitted_at__isnull=False)
        .order_by()
        .values("status")
        .annotate(count=Count("id"))
    )
    return {row["status"]: row["count"] for row in rows}


def rolled_up_reason_codes() -> dict[tuple[str, str], int]:
    """The level counts' decline and cancel reasons (migration reports 0010), every center's
    rows of the every-referral level: (measure, code) -> referrals."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT measure, value, SUM(referrals) FROM reports_level_count"
            " WHERE measure IN ('decline_reason', 'cancel_reason')"
            " AND referring_organization_id = 0 AND cancer_site = ''"
            " GROUP BY 1, 2 HAVING SUM(referrals) <> 0"
        )
        return {(measure, value): count for measure, value, count in cursor.fetchall()}


def live_reason_codes() -> dict[tuple[str, str], int]:
    codes: dict[tuple[str, str], int] = {}
    for referral in Referral.objects.filter(
        submitted_at__isnull=False, status__in=[Status.DECLINED, Status.CANCELLED]
    ):
        key = (
            ("decline_reason", referral.decline_reason_code)
            if referral.status == Status.DECLINED
            else ("cancel_reason", referral.cancel_reason_code)
        )
        codes[key] = codes.get(key, 0) + 1
    return codes


def rolled_up_histograms() -> dict[tuple[str, int], int]:
    """The stage histograms' every-referral level (every center's rows): (stage, centidays) ->
    referrals."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stage, centidays, SUM(referrals) FROM reports_stage_histogram"
            " WHERE referring_organization_id = 0"
            " AND cancer_site = '' GROUP BY 1, 2 HAVING SUM(referrals) <> 0"
        )
        return {(stage, value): count for stage, value, count in cursor.fetchall()}


def live_histograms() -> dict[tuple[str, int], int]:
    histograms: dict[tuple[str, int], int] = {}
    for referral in Referral.objects.filter(submitted_at__isnull=False):
        for stage, _, start, end in STAGES:
            value = centidays(getattr(referral, start), getattr(referral, end))
            if value is not None:
                histograms[stage, value] = histograms.get((stage, value), 0) + 1
    return histograms


def rolled_up_linked() -> tuple[int, int, int, int]:
    """Recommendations in force, differing ones, signed reviews, major discrepancies."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(in_force), SUM(differs), SUM(signed_reviews), SUM(major_discrepancies)"
            " FROM reports_referral_linked_rollup"
        )
        return tuple(int(value or 0) for value in cursor.fetchone())


def live_linked() -> tuple[int, int, int, int]:
    in_force = Recommendation.objects.filter(
        referral__submitted_at__isnull=False, signed_at__isnull=False, superseded_at__isnull=True
    )
    signed = PathologyReview.objects.filter(
        referral__submitted_at__isnull=False, signed_at__isnull=False
    )
    return (
        in_force.count(),
        in_force.filter(concordance="differs").count(),
        signed.count(),
        signed.filter(discrepancy="major").count(),
    )


def write_in_every_way(data) -> None:
    """Status changes, center, site and reason edits, a submission and deletes, by the ORM
    and by raw SQL (which no Django signal would see); recommendations amended and added,
    reviews signed, changed and deleted, and a referral with both moved to another center."""
    r = data.referrals
    r2 = r["r2"]
    r2.receiving_center = data.center_b
    r2.save()
    Recommendation.objects.filter(referral=r["r3"]).update(superseded_at=r["r3"].submitted_at)
    RecommendationFactory(
        referral=r["r3"], version=2, concordance="modifies", amendment_reason="New imaging."
    )
    sign_review(r["r3"], "major")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_pathologyreview SET discrepancy = 'minor' WHERE referral_id = %s",
            [r["r1"].pk],
        )
        cursor.execute("DELETE FROM referrals_pathologyreview WHERE referral_id = %s", [r2.pk])
    r5 = r["r5"]
    r5.status, r5.accepted_at = Status.ACCEPTED, r5.submitted_at + days(1)
    r5.save()
    r6 = r["r6"]
    r6.receiving_center = data.center_b
    r6.save()
    Referral.objects.filter(pk=r["r4"].pk).update(cancer_site="colorectal", reasons=["other"])
    draft = r["draft"]
    draft.status, draft.submitted_at = Status.SUBMITTED, T0 + days(21)
    draft.save()
    with connection.cursor() as cursor:
        # Referrals are never deleted (migration referrals 0004); the rollups would follow
        # one nonetheless (lifting the guard for this test's transaction only).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE referrals_referral DISABLE TRIGGER referrals_referral_never_deleted"
        )
    r["r7"].delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral SET status = %s, recommendation_issued_at = %s "
            "WHERE id = %s",
            [Status.RECOMMENDATION_ISSUED, r["r4"].submitted_at + days(9), r["r4"].pk],
        )
        cursor.execute(
            "UPDATE referrals_referral SET submitted_at = submitted_at - interval '30 days' "
            "WHERE id = %s",
            [r["r1"].pk],
        )
        cursor.execute("DELETE FROM referrals_referral WHERE id = %s", [r["r10"].pk])
        # r3's further opinion is corrected to follow r1; r2's is submitted (below).
        cursor.execute(
            "UPDATE referrals_referral SET previous_referral_id = %s WHERE id = %s",
            [r["r1"].pk, r["r3b"].pk],
        )
    make_referral(
        data, "r2b", center=data.center_b, status=Status.SUBMITTED, site="lung", reasons=["other"],
        submitted_day=30, opinion_number=3, previous_referral=r2,
    )  # fmt: skip


@pytest.mark.django_db
def test_rollups_count_the_referrals_after_every_kind_of_write(known_data):
    assert rolled_up_per_status() == live_per_status()
    assert rolled_up_histograms() == live_histograms()
    assert rolled_up_linked() == live_linked() == (3, 1, 2, 1)
    assert rolled_up_reason_codes() == live_reason_codes() == {("decline_reason", "no_capacity"): 1}
    write_in_every_way(known_data)
    assert rolled_up_per_status() == live_per_status()
    assert rolled_up_histograms() == live_histograms()
    # r1 (concurs), r2 v2 (modifies), r3 v2 (modifies; its v1 superseded); the reviews of r1
    # (now minor) and r3 (major), r2's deleted.
    assert rolled_up_linked() == live_linked() == (3, 0, 2, 1)
    # r7, the one declined, is deleted.
    assert rolled_up_reason_codes() == live_reason_codes() == {}
    # Nine submitted, the draft and r2b submitted, r7 and r10 deleted: nine remain.
    assert sum(rolled_up_per_status().values()) == 9


@pytest.mark.django_db
def test_summary_from_rollups_equals_the_counted_one(known_data, center_a_coordinator):
    write_in_every_way(known_data)
    superuser = UserFactory(is_superuser=True)
    practice_coordinator = member(known_data.practice, Role.COORDINATOR)
    periods = [
        ReportFilters(),
        ReportFilters(submitted_from=datetime.date(2026, 3, 9)),
        ReportFilters(submitted_to=datetime.date(2026, 3, 16)),
        ReportFilters(cancer_site="breast"),
        ReportFilters(center_uuid=str(known_data.center_b.uuid)),
    ]
    for user in (superuser, center_a_coordinator, practice_coordinator):
        for filters in periods:
            from_rollups, counted = both_ways(user, filters)
            assert from_rollups == counted, (user, filters)
    everything, _ = both_ways(superuser, ReportFilters())
    # The raw-SQL update issued r4's recommendation; its week is in the series.
    assert everything["return"]["recommendations_issued"] == 4
    assert sum(week["recommendations_issued"] for week in everything["weekly"]) == 4
    statuses = {row["status"]: row["count"] for row in everything["by_status"]}
    assert statuses[Status.ACCEPTED] == 2 and statuses[Status.DECLINED] == 0
    # r1 followed by r3b, r2 by r2b; r3 no longer.
    assert everything["third_opinion"]["followed_by_another_opinion"] == 2


@pytest.mark.django_db
def test_rollups_follow_statements_that_write_many_referrals_at_once(known_data):
    """One INSERT of many referrals, one UPDATE of many (some keys gain and lose rows in the
    same statement), as an import or a mass correction would write them."""
    submitted = list(Referral.objects.filter(submitted_at__isnull=False).order_by("pk"))
    copies = []
    for number, referral in enumerate(submitted):
        referral.pk, referral.uuid = None, uuid.uuid4()
        referral.reference = f"SO-2025-{900000 + number}"
        referral.status, referral.closed_at = Status.CLOSED, referral.submitted_at + days(40)
        copies.append(referral)
    with counted_queries() as written:
        Referral.objects.bulk_create(copies)
    assert len([q for q in written if q["sql"].startswith("INSERT")]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral SET cancer_site = CASE WHEN id %% 2 = 0 THEN 'lung' "
            "ELSE 'breast' END, receiving_center_id = %s WHERE submitted_at IS NOT NULL",
            [known_data.center_b.pk],
        )
        # A mass cancellation of the copies, and a re-coding of the declined one.
        cursor.execute(
            "UPDATE referrals_referral SET status = 'cancelled', cancelled_at = closed_at,"
            " cancel_reason_code = CASE WHEN id %% 2 = 0 THEN 'duplicate' ELSE"
            " 'entered_in_error' END WHERE reference LIKE %s",
            ["SO-2025-9%"],
        )
        cursor.execute(
            "UPDATE referrals_referral SET decline_reason_code = 'outside_expertise'"
            " WHERE status = 'declined'"
        )
    assert rolled_up_per_status() == live_per_status()
    assert rolled_up_histograms() == live_histograms()
    assert rolled_up_linked() == live_linked()
    reasons = rolled_up_reason_codes()
    assert reasons == live_reason_codes()
    assert reasons[("decline_reason", "outside_expertise")] == 1
    assert ("decline_reason", "no_capacity") not in reasons
    assert reasons[("cancel_reason", "duplicate")] + reasons[
        ("cancel_reason", "entered_in_error")
    ] == len(copies)
    assert live_per_status()[Status.CANCELLED] >= len(copies)
    superuser = UserFactory(is_superuser=True)
    for filters in (ReportFilters(), ReportFilters(cancer_site="lung")):
        from_rollups, counted = both_ways(superuser, filters)
        assert from_rollups == counted, filters


@pytest.mark.django_db
def test_truncating_the_referrals_empties_the_rollups(known_data):
    assert rolled_up_per_status()
    with connection.cursor() as cursor:
        # As the test database's flush between transactional tests does.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE referrals_referral CASCADE")
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM reports_referral_rollup)"
            " + (SELECT COUNT(*) FROM reports_referral_reason_rollup)"
            " + (SELECT COUNT(*) FROM reports_referral_issued_rollup)"
            " + (SELECT COUNT(*) FROM reports_stage_histogram)"
            " + (SELECT COUNT(*) FROM reports_referral_linked_rollup)"
        )
        assert cursor.fetchone()[0] == 0
