"""The figures of issue 13, worked out by hand on the known data (conftest.py): information
requests (rate, open, days waited), the turnaround without the time awaiting information, and
the share of recommendations followed, from each referral's latest progress update."""

import datetime

import pytest

from referrals.models import InformationRequest, ProgressUpdate, Referral
from reports.access import report_viewer
from reports.filters import ReportFilters
from reports.selectors import report_summary
from tests.factories import ProgressUpdateFactory
from tests.reports.conftest import T0, days
from tests.reports.test_summary import counts, stage, summary_for

pytestmark = pytest.mark.django_db


def answered_request(referral, *, asked, waited_days, business_days, status):
    InformationRequest.objects.create(
        referral=referral,
        reason="missing_records",
        note="The operative report, please.",
        asked_by=referral.specialist,
        asked_at=asked,
        asked_in_status=status,
        due_date=asked.date(),
        answered_by=referral.referring_oncologist,
        answered_at=asked + days(waited_days),
        answer="Sent.",
        business_days_waited=business_days,
    )


@pytest.fixture
def information(known_data):
    r2, r3, r4 = (known_data.referrals[name] for name in ("r2", "r3", "r4"))
    # r2 (submitted day 2, accepted +1, review +9) waited 5 days while accepted: 3 business days.
    answered_request(r2, asked=T0 + days(4), waited_days=5, business_days=3, status="accepted")
    Referral.objects.filter(pk=r2.pk).update(information_wait_accepted=days(5))
    # r3 (submitted day 7, review +6, recommendation +36) waited 10 days under review: 8.
    answered_request(
        r3, asked=T0 + days(15), waited_days=10, business_days=8, status="under_review"
    )
    Referral.objects.filter(pk=r3.pk).update(information_wait_under_review=days(10))
    # r4 (under review) awaits an answer now.
    InformationRequest.objects.create(
        referral=r4,
        reason="clinical_clarification",
        note="ECOG?",
        asked_by=r4.specialist,
        asked_at=T0 + days(13),
        asked_in_status="under_review",
        due_date=(T0 + days(16)).date(),
    )
    Referral.objects.filter(pk=r4.pk).update(
        awaiting_information=True, information_due=(T0 + days(16)).date()
    )
    return known_data


def test_information_request_rate_open_and_median_wait(center_a_coordinator, information):
    figures = summary_for(center_a_coordinator)["information_requests"]
    assert figures == {
        "referrals": 7,
        "referrals_with_request": 3,  # r2, r3, r4
        "rate": round(3 / 7, 4),
        "requests": 3,
        "open": 1,
        "median_business_days_waited": 5.5,  # 3 and 8
        "median_days_waited": 7.5,  # 5 and 10
    }


@pytest.mark.parametrize("period", [False, True], ids=["stage_histograms", "counted_live"])
def test_turnaround_leaves_the_time_awaiting_information_out(
    center_a_coordinator, information, period
):
    query = {"from": T0.date().isoformat()} if period else {}
    summary = summary_for(center_a_coordinator, **query)
    assert "awaiting information" in summary["turnaround_days"]["excludes"]
    expected = {  # (count, median, p90) in days
        # 12, 22 - 5, 36 - 10 = 12, 17, 26
        "submitted_to_recommendation": (3, 17.0, 24.2),
        # 4, 8 - 5, 4, 3 = 3, 3, 4, 4
        "records": (4, 3.5, 4.0),
        # 7, 13, 30 - 10 = 7, 13, 20
        "review": (3, 13.0, 18.6),
        "triage": (5, 1.0, 1.6),  # untouched
    }
    for name, (count, median, p90) in expected.items():
        figures = stage(summary, name)
        assert (figures["count"], figures["median"], figures["p90"]) == (count, median, p90), name
    assert counts(summary["turnaround_days"]["distribution"], "bucket") == {
        "under 7 days": 0, "7–13 days": 1, "14–20 days": 1, "21–29 days": 1,
        "30–44 days": 0, "45 days or more": 0,
    }  # fmt: skip


def test_the_rollups_and_the_counted_referrals_agree(center_a_coordinator, information):
    viewer = report_viewer(user=center_a_coordinator)
    from_rollups = report_summary(viewer=viewer, filters=ReportFilters(), use_rollups=True)
    counted = report_summary(viewer=viewer, filters=ReportFilters(), use_rollups=False)
    for key in ("turnaround_days", "information_requests", "recommendation_followed"):
        assert from_rollups[key] == counted[key], key


def test_recommendations_followed_from_each_referral_s_latest_update(
    center_a_coordinator, known_data
):
    r1, r2 = known_data.referrals["r1"], known_data.referrals["r2"]
    day = datetime.date(2026, 5, 1)
    ProgressUpdateFactory(referral=r1, update_date=day, recommendation_followed="no",
                          recommendation_followed_reason="Insurer declined.")  # fmt: skip
    ProgressUpdateFactory(referral=r1, update_date=day + days(30), recommendation_followed="yes")
    ProgressUpdateFactory(referral=r1, update_date=day + days(60))  # says nothing: skipped
    ProgressUpdateFactory(referral=r2, update_date=day, recommendation_followed="yes")
    ProgressUpdateFactory(referral=r2, update_date=day + days(10),
                          recommendation_followed="partly",
                          recommendation_followed_reason="Radiation kept local.")  # fmt: skip
    other_center = known_data.referrals["r10"]  # center B: not in center A's report
    ProgressUpdateFactory(referral=other_center, recommendation_followed="no",
                          recommendation_followed_reason="Declined.")  # fmt: skip

    figures = summary_for(center_a_coordinator)["recommendation_followed"]
    assert figures == {
        "updates": 2,
        "counts": {"yes": 1, "partly": 1, "no": 0, "not_yet": 0},
        "shares": {"yes": 0.5, "partly": 0.5, "no": 0.0, "not_yet": 0.0},
    }
    assert ProgressUpdate.objects.count() == 6


def test_the_dashboard_and_its_csv_say_so(client, center_a_coordinator, information):
    client.force_login(center_a_coordinator)
    page = client.get("/reports/").content.decode()
    assert "exclude the time spent awaiting information" in page
    assert 'data-figure="information-request-rate" data-share="0.4286"' in page
    assert 'data-figure="information-days-waited">5.5<' in page
    csv = client.get("/reports/export/summary.csv").content.decode()
    assert "information_requests,referrals_with_request,rate,0.4286" in csv
    assert "recommendation_followed,yes,count,0" in csv
