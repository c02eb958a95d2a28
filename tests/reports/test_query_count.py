"""The summary costs the same number of queries for 10 referrals as for 1,000."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from referrals.models import PathologyReview, Patient, Recommendation, Referral
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, UserFactory, member
from tests.queries import assert_queries, counted_queries

Role = Membership.Role
Status = Referral.Status
STATES = [
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.UNDER_REVIEW,
    Status.RECOMMENDATION_ISSUED,
    Status.RETURNED,
    Status.CLOSED,
]
# The summary's own queries: the change marker (its ETag); session settings; one query of
# the rollups (reports.rollups: counts, weekly series, overdue steps, recommendations,
# pathology reviews, further opinions, the stage histograms, and the figures of where
# referrals stall: reasons, no-shows, slides returned late, reports.flow); the information
# requests, progress updates' answers and the referrals that awaited information
# (reports.information); and a savepoint and its release (the test runs inside a
# transaction). With a period, the figures of where referrals stall and the percentiles are
# counted from the referrals: two more.
SUMMARY_QUERIES = 6
# The page: its session and user (2), the caller's memberships, the summary (every figure on
# the page comes from it, issue 13's included: a savepoint, session settings, the rollups'
# and the information requests' queries, its release: 5), the centers to choose from, the
# header's unread notifications and the session's save (a savepoint, update, release: 3).
PAGE_QUERIES = 13


def bulk_referrals(count: int) -> Membership:
    """`count` referrals across the workflow, written in bulk; returns a center coordinator."""
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    specialist = member(center, Role.SPECIALIST)
    pathologist = member(center, Role.PATHOLOGIST)
    patients = Patient.objects.bulk_create(
        Patient(organization=practice, mrn=f"BULK{i:06d}", given_name="P", family_name=f"{i}",
                date_of_birth=datetime.date(1960, 1, 1))
        for i in range(count)
    )  # fmt: skip
    start = timezone.now() - datetime.timedelta(days=400)
    referrals = []
    for i, patient in enumerate(patients):
        status = STATES[i % len(STATES)]
        submitted = start + datetime.timedelta(hours=7 * i)
        milestones = STATES.index(status)
        referrals.append(
            Referral(
                reference=f"SO-{practice.pk:04d}-{i:06d}", patient=patient,
                referring_oncologist=oncologist, created_by=oncologist,
                referring_organization=practice, receiving_center=center, specialist=specialist,
                cancer_site=["breast", "lung", "colorectal"][i % 3],
                diagnosis="Carcinoma", reasons=["complex_diagnosis", "other"][: 1 + i % 2],
                status=status, submitted_at=submitted,
                accepted_at=submitted + datetime.timedelta(days=1) if milestones >= 1 else None,
                review_started_at=(submitted + datetime.timedelta(days=5)
                                   if milestones >= 2 else None),
                recommendation_issued_at=(submitted + datetime.timedelta(days=5 + i % 20)
                                          if milestones >= 3 else None),
                returned_at=submitted + datetime.timedelta(days=30) if milestones >= 4 else None,
                next_due=timezone.localdate() - datetime.timedelta(days=i % 3),
            )
        )  # fmt: skip
    Referral.objects.bulk_create(referrals)
    issued = [r for r in referrals if r.recommendation_issued_at]
    Recommendation.objects.bulk_create(
        Recommendation(referral=r, author=specialist, concordance="concurs", summary="Agree.",
                       signed_at=r.recommendation_issued_at, clinical_trials=["NCT01234567"])
        for r in issued
    )  # fmt: skip
    PathologyReview.objects.bulk_create(
        PathologyReview(referral=r, pathologist=pathologist, requested_by=pathologist,
                        discrepancy="minor", review_diagnosis="Carcinoma",
                        signed_by=pathologist, signed_at=r.review_started_at)
        for r in issued
    )  # fmt: skip
    return member(center, Role.COORDINATOR)


def summary_queries(user, filters=None, counting=None) -> tuple[int, dict]:
    """The summary's queries and figures. counting: pytest-django's
    django_assert_max_num_queries(n), which fails printing every statement beyond n."""
    api = APIClient()
    api.force_authenticate(user)
    api.get("/api/v1/reports/summary/")  # warm-up: session and content types
    with counted_queries() as queries:
        query = {"cancer_site": "breast"} if filters is None else filters
        response = api.get("/api/v1/reports/summary/", query)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.django_db
def test_summary_query_count_does_not_grow_with_referrals(django_assert_max_num_queries):
    small_count, small = summary_queries(bulk_referrals(10))
    # The summary itself plus reading the caller's memberships.
    at_most = django_assert_max_num_queries(SUMMARY_QUERIES + 1)
    large_count, large = summary_queries(bulk_referrals(1000), counting=at_most)

    assert small["total"] == 4 and large["total"] == 334  # the data really differ in size
    assert large["concordance"]["recommendations"] == 167
    assert small_count == large_count


@pytest.mark.django_db
def test_a_summary_over_a_period_takes_two_queries_more_whatever_the_referrals(
    django_assert_max_num_queries,
):
    # Since the first submission (400 days ago): every breast referral.
    first_day = timezone.localdate() - datetime.timedelta(days=400)
    period = {"from": first_day.isoformat(), "cancer_site": "breast"}
    small_count, small = summary_queries(bulk_referrals(10), filters=period)
    # The caller's memberships, and the two counted from the referrals.
    at_most = django_assert_max_num_queries(SUMMARY_QUERIES + 3)
    large_count, large = summary_queries(bulk_referrals(1000), filters=period, counting=at_most)

    assert small["total"] == 4 and large["total"] == 334
    assert small_count == large_count


@pytest.mark.django_db
def test_unfiltered_summary_of_every_referral_takes_as_many_queries(
    django_assert_max_num_queries,
):
    # A superuser's report without filters reads the every-referral level.
    superuser = UserFactory(is_superuser=True)
    bulk_referrals(10)
    small_count, small = summary_queries(superuser, filters={})
    bulk_referrals(990)
    at_most = django_assert_max_num_queries(SUMMARY_QUERIES)
    large_count, large = summary_queries(superuser, filters={}, counting=at_most)

    assert small["total"] == 10 and large["total"] == 1000
    assert small_count == large_count


def page_queries(user) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    client.get("/reports/")  # warm-up: session and content types
    with assert_queries(at_most=PAGE_QUERIES) as queries:
        response = client.get("/reports/", {"cancer_site": "breast"})
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_page_costs_the_same_for_10_and_1000_referrals():
    small_count, small = page_queries(bulk_referrals(10))
    large_count, large = page_queries(bulk_referrals(1000))

    assert 'data-figure="total">4<' in small and 'data-figure="total">334<' in large
    assert "<caption>Declined, by reason</caption>" in large
    assert 'data-figure="no-show-rate"' in large and 'data-figure="slides-late-share"' in large
    assert small_count == large_count
