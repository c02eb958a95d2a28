"""A dashboard left open: the summary is answered 304 Not Modified until something it shows
changes (its ETag and Last-Modified follow the rollups' change marker, migration reports 0006)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from referrals.models import InformationRequest, Recommendation, Referral
from tests.factories import ProgressUpdateFactory, member
from tests.reports.conftest import days, sign_review

Role = Membership.Role
Status = Referral.Status
URL = "/api/v1/reports/summary/"


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def revalidate(client: APIClient, first, **params):
    """The same GET, sent again with the validators of the `first` response."""
    return client.get(
        URL,
        params,
        HTTP_IF_NONE_MATCH=first["ETag"],
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )


@pytest.mark.django_db
def test_an_unchanged_summary_is_answered_not_modified_in_two_queries(
    known_data, center_a_coordinator, django_assert_max_num_queries
):
    client = client_of(center_a_coordinator)
    first = client.get(URL)
    assert first.status_code == 200 and first.json()["total"] == 7
    assert first["ETag"] and first["Last-Modified"]
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]

    # The caller's memberships and the change marker; no figure is computed.
    with django_assert_max_num_queries(2):
        again = revalidate(client, first)
    assert again.status_code == 304
    assert again.content == b""
    # A client that only sends If-Modified-Since gets the same answer.
    since = client.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


@pytest.mark.django_db
def test_a_write_to_what_the_summary_shows_answers_the_new_figures(
    known_data, center_a_coordinator
):
    client = client_of(center_a_coordinator)
    r = known_data.referrals

    first = client.get(URL)
    r5 = r["r5"]
    r5.status, r5.accepted_at = Status.ACCEPTED, r5.submitted_at + days(1)
    r5.save()
    after_acceptance = revalidate(client, first)
    assert after_acceptance.status_code == 200
    assert after_acceptance["ETag"] != first["ETag"]
    statuses = {row["status"]: row["count"] for row in after_acceptance.json()["by_status"]}
    assert statuses[Status.ACCEPTED] == 2

    # An amendment supersedes r3's recommendation: no referral is written.
    Recommendation.objects.filter(referral=r["r3"]).update(superseded_at=timezone.now())
    after_amendment = revalidate(client, after_acceptance)
    assert after_amendment.status_code == 200
    assert after_amendment.json()["concordance"]["recommendations"] == 2

    # A pathology review of r3 signed, with a major discrepancy.
    sign_review(r["r3"], "major")
    after_review = revalidate(client, after_amendment)
    assert after_review.status_code == 200
    assert after_review.json()["pathology"]["major_discrepancies"] == 2

    assert revalidate(client, after_review).status_code == 304


@pytest.mark.django_db
def test_writes_counted_live_beside_the_rollups_answer_the_new_figures_too(
    known_data, center_a_coordinator
):
    """Progress updates and information requests are counted from their own rows; writing
    one writes no referral, and still moves the marker (migration reports 0013)."""
    client = client_of(center_a_coordinator)
    r2 = known_data.referrals["r2"]  # returned: a progress update leaves the referral as it is
    first = client.get(URL)
    assert first.json()["recommendation_followed"]["updates"] == 0
    assert first.json()["information_requests"]["requests"] == 0

    ProgressUpdateFactory(
        referral=r2, author=r2.referring_oncologist, recommendation_followed="partly",
        recommendation_followed_reason="Radiotherapy declined by the patient.",
    )  # fmt: skip
    after_update = revalidate(client, first)
    assert after_update.status_code == 200
    followed = after_update.json()["recommendation_followed"]
    assert followed["updates"] == 1 and followed["counts"]["partly"] == 1

    InformationRequest.objects.create(
        referral=known_data.referrals["r4"], reason="missing_records", note="The CT report.",
        asked_by=center_a_coordinator, asked_in_status=Status.UNDER_REVIEW,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )  # fmt: skip
    after_request = revalidate(client, after_update)
    assert after_request.status_code == 200
    asked = after_request.json()["information_requests"]
    assert asked["requests"] == 1 and asked["open"] == 1

    assert revalidate(client, after_request).status_code == 304


@pytest.mark.django_db
def test_the_validators_differ_per_query_per_scope_and_per_day(
    known_data, center_a_coordinator, monkeypatch
):
    coordinator = client_of(center_a_coordinator)
    first = coordinator.get(URL)

    # Another filter is another summary.
    breast = revalidate(coordinator, first, cancer_site="breast")
    assert breast.status_code == 200 and breast.json()["total"] == 4
    # Another center's coordinator, sending center A's validators, gets their own figures.
    center_b = client_of(member(known_data.center_b, Role.COORDINATOR))
    theirs = revalidate(center_b, first)
    assert theirs.status_code == 200 and theirs.json()["total"] == 2
    # Bad filters are answered 400, never 304 and with no validator.
    bad = revalidate(coordinator, first, cancer_site="spleen")
    assert bad.status_code == 400 and not bad.has_header("ETag")

    # Tomorrow the overdue steps count from another day: the figures are computed again.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    next_day = revalidate(coordinator, first)
    assert next_day.status_code == 200
    assert next_day["ETag"] != first["ETag"]
