"""Every figure of the summary, checked against a data set worked out by hand (conftest.py)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from tests.factories import member

Role = Membership.Role
URL = "/api/v1/reports/summary/"


def summary_for(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def counts(rows, key):
    return {row[key]: row["count"] for row in rows}


def stage(summary, name):
    return next(s for s in summary["turnaround_days"]["stages"] if s["stage"] == name)


@pytest.mark.django_db
def test_center_coordinator_sees_every_figure_of_their_center(center_a_coordinator, known_data):
    summary = summary_for(center_a_coordinator)

    assert summary["total"] == 7  # the draft and center B's referrals are not counted
    assert counts(summary["by_status"], "status") == {
        "submitted": 1, "accepted": 1, "declined": 1, "under_review": 1,
        "recommendation_issued": 1, "returned": 1, "monitoring": 0, "closed": 1, "cancelled": 0,
        "forwarded": 0,
    }  # fmt: skip
    assert counts(summary["by_reason"], "reason") == {
        "complex_diagnosis": 3, "non_specialist_oncologist": 1, "recurrence_or_progression": 1,
        "clinical_trial_interest": 1, "patient_uncertainty": 1, "other": 1,
    }  # fmt: skip
    assert counts(summary["by_cancer_site"], "cancer_site") == {
        "breast": 4,
        "lung": 2,
        "colorectal": 1,
    }
    assert summary["by_center"] == [
        {"center": str(known_data.center_a.uuid), "name": "Center A", "count": 7}
    ]


@pytest.mark.django_db
def test_turnaround_medians_and_90th_percentiles_use_the_milestone_times(center_a_coordinator):
    summary = summary_for(center_a_coordinator)

    # Submitted → recommendation: 12, 22 and 36 days.
    assert stage(summary, "submitted_to_recommendation") == {
        "stage": "submitted_to_recommendation",
        "label": "Submitted to recommendation",
        "count": 3,
        "median": 22.0,
        "p90": 33.2,
    }
    expected = {  # (count, median, p90) of the stage durations in days
        "triage": (5, 1.0, 1.6),  # 1, 1, 2, 1, 1
        "records": (4, 4.0, 6.8),  # 4, 8, 4, 3
        "review": (3, 13.0, 26.6),  # 7, 13, 30
        "return": (2, 2.5, 2.9),  # 2, 3
    }
    for name, (count, median, p90) in expected.items():
        figures = stage(summary, name)
        assert (figures["count"], figures["median"], figures["p90"]) == (count, median, p90), name
    assert counts(summary["turnaround_days"]["distribution"], "bucket") == {
        "under 7 days": 0, "7–13 days": 1, "14–20 days": 0, "21–29 days": 1,
        "30–44 days": 1, "45 days or more": 0,
    }  # fmt: skip


@pytest.mark.django_db
def test_overdue_steps_now_by_the_step_waited_on(center_a_coordinator):
    overdue = summary_for(center_a_coordinator)["overdue"]

    assert overdue["total"] == 2
    assert counts(overdue["by_step"], "step") == {
        "triage": 1,  # r5, due yesterday
        "records": 0,  # r6 is due in five days
        "recommendation": 1,  # r4, due three days ago
        "return": 0,
        "progress_update": 0,
    }


@pytest.mark.django_db
def test_shares_of_recommendations_in_force_and_rates(center_a_coordinator):
    summary = summary_for(center_a_coordinator)

    # r2's superseded first version ("differs") is not counted: its amendment modifies.
    assert summary["concordance"] == {
        "recommendations": 3,
        "counts": {"concurs": 1, "modifies": 1, "differs": 1},
        "shares": {"concurs": 0.3333, "modifies": 0.3333, "differs": 0.3333},
    }
    assert summary["clinical_trials"] == {
        "recommendations": 3,
        "naming_a_trial": 1,
        "share": 0.3333,
    }
    assert summary["pathology"] == {
        "signed_reviews": 2,
        "major_discrepancies": 1,
        "major_discrepancy_rate": 0.5,
    }
    # r3 was followed by a third opinion at center B, and its recommendation suggested one.
    assert summary["third_opinion"] == {
        "second_opinions_issued": 3,
        "followed_by_another_opinion": 1,
        "rate": 0.3333,
        "recommendations_suggesting": 1,
        "suggested_share": 0.3333,
    }
    assert summary["return"] == {"recommendations_issued": 3, "returned": 2, "rate": 0.6667}


@pytest.mark.django_db
def test_weekly_series_of_submissions_and_recommendations(center_a_coordinator):
    weekly = summary_for(center_a_coordinator)["weekly"]

    assert [(w["week"], w["submitted"], w["recommendations_issued"]) for w in weekly] == [
        ("2026-03-02", 2, 0),
        ("2026-03-09", 2, 1),  # r1's recommendation on 14 March
        ("2026-03-16", 3, 0),
        ("2026-03-23", 0, 1),  # r2's on 24 March
        ("2026-03-30", 0, 0),
        ("2026-04-06", 0, 0),
        ("2026-04-13", 0, 1),  # r3's on 14 April
    ]


@pytest.mark.django_db
def test_filters_narrow_every_figure(center_a_coordinator, known_data):
    lung = summary_for(center_a_coordinator, cancer_site="lung")
    assert lung["total"] == 2
    assert stage(lung, "submitted_to_recommendation")["median"] == 22.0
    assert lung["concordance"]["counts"] == {"concurs": 0, "modifies": 1, "differs": 0}

    later = summary_for(center_a_coordinator, **{"from": "2026-03-09", "to": "2026-03-16"})
    assert later["total"] == 3  # r3, r4, r5 (r6 and r7 came on 17 March)
    assert later["filters"] == {"from": "2026-03-09", "to": "2026-03-16"}

    other_center = summary_for(center_a_coordinator, center=str(known_data.center_b.uuid))
    assert other_center["total"] == 0  # filters never widen the scope


@pytest.mark.django_db
def test_community_practice_coordinator_sees_what_their_practice_sent(known_data):
    coordinator = member(known_data.practice, Role.COORDINATOR)

    summary = summary_for(coordinator)

    assert summary["total"] == 9
    assert counts(summary["by_center"], "name") == {"Center A": 7, "Center B": 2}
    only_b = summary_for(coordinator, center=str(known_data.center_b.uuid))
    assert only_b["total"] == 2


@pytest.mark.django_db
def test_center_b_sees_only_its_own_referrals(known_data):
    summary = summary_for(member(known_data.center_b, Role.COORDINATOR))

    assert summary["total"] == 2
    # The center's analyst gets the same scope, with its small counts suppressed.
    assert summary_for(member(known_data.center_b, Role.ANALYST))["total"] == "<5"
    assert summary["third_opinion"]["second_opinions_issued"] == 0
