"""The change list and the home page at scale: the same rows in the same order as the plain
SQL order, counts capped or estimated, and query counts that do not grow with the rows."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from referrals.admin import paging, queries
from referrals.admin.paging import URGENCY_ORDER, EstimatedCountPaginator, UrgencyOrderPaginator
from referrals.admin.queries import referrals_for_workspace
from referrals.models import Referral
from tests.admin.helpers import changelist_url

Status = Referral.Status


def _mixed(setting, count=36):
    """Open and closed, urgent and routine, late, due, past-due-but-closed and undated."""
    statuses = [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.UNDER_REVIEW,
        Status.CLOSED,
        Status.MONITORING,
        Status.RETURNED,
    ]
    for number in range(count):
        setting.referral(
            status=statuses[number % len(statuses)],
            urgency="urgent" if number % 4 == 0 else "routine",
            days_late=None if number % 5 == 0 else number % 7 - 3,
        )


def test_pages_read_slice_by_slice_are_the_pages_of_the_sql_order(setting):
    _mixed(setting)
    visible = referrals_for_workspace(user=setting.coordinator)
    expected = list(visible.order_by(*URGENCY_ORDER, "-pk").values_list("pk", flat=True))
    assert len(expected) == 36

    paginator = UrgencyOrderPaginator(visible, 5)
    shown = [r.pk for n in paginator.page_range for r in paginator.page(n).object_list]

    assert shown == expected


def test_a_status_filtered_change_list_reads_that_state_s_slices_in_the_sql_order(
    coordinator_client, setting
):
    _mixed(setting)
    visible = referrals_for_workspace(user=setting.coordinator).filter(status=Status.ACCEPTED)
    expected = list(visible.order_by(*URGENCY_ORDER, "-pk").values_list("reference", flat=True))
    assert len(expected) == 6

    response = coordinator_client.get(changelist_url(Referral), {"status__exact": Status.ACCEPTED})

    assert response.context["cl"].paginator.statuses == [Status.ACCEPTED]
    assert [r.reference for r in response.context["cl"].result_list] == expected


def test_the_count_is_exact_up_to_the_limit_then_the_planner_s_estimate(setting, monkeypatch):
    _mixed(setting, count=8)
    visible = referrals_for_workspace(user=setting.coordinator)
    assert EstimatedCountPaginator(visible, 5).count == 8

    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 3)
    estimated = EstimatedCountPaginator(visible, 5)
    assert estimated.count >= 4 and estimated.estimated


def test_search_finds_by_reference_mrn_and_name_parts_only_among_visible(
    coordinator_client, setting
):
    mine = setting.referral()
    theirs = setting.referral(receiving_center=setting.other_center)

    def found(term):
        response = coordinator_client.get(changelist_url(Referral), {"q": term})
        return {r.reference for r in response.context["cl"].result_list}

    assert found(mine.reference) == {mine.reference}
    assert found(mine.reference[-4:].lower()) == {mine.reference}
    assert found(mine.patient.mrn) == {mine.reference}
    assert found(theirs.patient.mrn) == set()
    assert found(f"{mine.patient.family_name} {mine.patient.given_name}") == {mine.reference}


@pytest.mark.parametrize(
    "query",
    [{}, {"status__exact": "submitted"}, {"q": "SO-2026"}, {"q": "MRN"}, {"due": "overdue"}],
)
def test_each_change_list_page_costs_the_same_queries_for_few_and_many_rows(
    coordinator_client, setting, django_assert_max_num_queries, query
):
    _mixed(setting, count=10)
    with django_assert_max_num_queries(100) as few:
        coordinator_client.get(changelist_url(Referral), query)
    _mixed(setting, count=60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coordinator_client.get(changelist_url(Referral), query)
    assert response.status_code == 200


def test_home_counts_stop_at_the_cap(coordinator_client, setting, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for _ in range(3):
        setting.referral(status=Status.SUBMITTED, days_late=2)

    response = coordinator_client.get(reverse("admin:index"))

    queue = response.context["queue"]
    submitted = next(row for row in queue["by_status"] if row["status"] == "submitted")
    assert (submitted["count"], submitted["more"]) == (2, True)
    assert (queue["late_count"], queue["late_more"]) == (2, True)
    assert "Late now (2+)" in response.content.decode()


def test_the_center_and_specialist_filters_offer_the_directory_not_a_scan(setting):
    from django.contrib import admin

    setting.referral(specialist=setting.specialist)
    request = RequestFactory().get(changelist_url(Referral))
    request.user = setting.coordinator
    changelist = admin.site._registry[Referral].get_changelist_instance(request)
    choices = {
        spec.title: [c["display"] for c in spec.choices(changelist)]
        for spec in changelist.filter_specs
    }
    assert str(setting.center) in choices["receiving center"]
    assert str(setting.specialist) in choices["specialist"]
    assert str(setting.oncologist) not in choices["specialist"]
