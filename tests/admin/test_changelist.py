"""The referral change list: what a coordinator sees first, and in which order."""

from referrals.models import Referral
from tests.admin.helpers import changelist_url
from tests.factories import PatientFactory
from tests.queries import assert_queries, counted_queries

Status = Referral.Status


def test_the_list_masks_patients_to_initials_and_mrn(coordinator_client, setting):
    patient = PatientFactory(
        organization=setting.practice, given_name="Jane", family_name="Doe", mrn="MRN123"
    )
    setting.referral(patient=patient)

    page = coordinator_client.get(changelist_url(Referral)).content.decode()

    assert "J.D. · MRN123" in page
    assert "Jane" not in page and "Doe" not in page


def test_most_urgent_first_overdue_then_urgent_then_soonest_due(coordinator_client, setting):
    on_time_routine = setting.referral(days_late=-5)
    on_time_urgent = setting.referral(days_late=-9, urgency="urgent")
    late_routine = setting.referral(days_late=1)
    later_routine = setting.referral(days_late=3)
    late_urgent = setting.referral(days_late=1, urgency="urgent")

    response = coordinator_client.get(changelist_url(Referral))

    shown = [referral.reference for referral in response.context["cl"].result_list]
    assert shown == [
        late_urgent.reference,
        later_routine.reference,
        late_routine.reference,
        on_time_urgent.reference,
        on_time_routine.reference,
    ]


def test_overdue_filter_and_search_by_mrn_and_name(coordinator_client, setting):
    late = setting.referral(days_late=2, patient=PatientFactory(organization=setting.practice))
    on_time = setting.referral(days_late=-2)

    overdue = coordinator_client.get(changelist_url(Referral), {"due": "overdue"})
    by_mrn = coordinator_client.get(changelist_url(Referral), {"q": on_time.patient.mrn})
    by_name = coordinator_client.get(changelist_url(Referral), {"q": late.patient.family_name})

    def references(response):
        return {referral.reference for referral in response.context["cl"].result_list}

    assert references(overdue) == {late.reference}
    assert references(by_mrn) == {on_time.reference}
    assert late.reference in references(by_name)


def test_other_centers_referrals_are_not_listed(client, setting):
    mine = setting.referral()
    theirs = setting.referral(receiving_center=setting.other_center)
    client.force_login(setting.other_coordinator)

    page = client.get(changelist_url(Referral)).content.decode()

    assert theirs.reference in page
    assert mine.reference not in page


def test_the_change_list_query_count_does_not_grow_with_rows(coordinator_client, setting):
    for days in range(10):
        setting.referral(days_late=days % 4, specialist=setting.specialist)
    with counted_queries() as ten_rows:
        response = coordinator_client.get(changelist_url(Referral))
    assert len(response.context["cl"].result_list) == 10

    for days in range(90):
        setting.referral(days_late=days % 4 - 2, specialist=setting.specialist)
    # Prints every statement when the count differs: the N+1 shows where it comes from.
    with assert_queries(exactly=len(ten_rows)):
        response = coordinator_client.get(changelist_url(Referral))
    assert len(response.context["cl"].result_list) == 100
