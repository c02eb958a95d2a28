"""The referral list: filters, search and cursor pagination as a center's work queue uses them."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Membership
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PathologyReviewFactory,
    PatientFactory,
    ReferralFactory,
    member,
)

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    practice, center, other_center = (
        CommunityPracticeFactory(),
        CancerCenterFactory(),
        CancerCenterFactory(),
    )
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    coordinator = member(practice, Role.COORDINATOR)
    specialist = member(center, Role.SPECIALIST)
    pathologist = member(center, Role.PATHOLOGIST)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    def referral(family_name, status, site="breast", to=center, **fields):
        patient = PatientFactory(organization=practice, family_name=family_name)
        return ReferralFactory(
            patient=patient,
            receiving_center=to,
            referring_oncologist=oncologist,
            status=status,
            cancer_site=site,
            **fields,
        )

    rows = {
        "late": referral("Okafor", Status.SUBMITTED, next_due=yesterday),
        "mine": referral("Brennan", Status.ACCEPTED, specialist=specialist),
        "lung": referral("Castillo", Status.SUBMITTED, site="lung"),
        "elsewhere": referral("Dubois", Status.SUBMITTED, to=other_center),
        "reviewing": referral("Eriksen", Status.UNDER_REVIEW, specialist=specialist),
    }
    PathologyReviewFactory(referral=rows["reviewing"], pathologist=pathologist)
    people = {"coordinator": coordinator, "specialist": specialist, "pathologist": pathologist}
    return rows, people, center


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_filters_narrow_the_queue(api, queue):
    rows, people, center = queue
    client = api(people["coordinator"])
    uuid = {name: str(r.uuid) for name, r in rows.items()}
    assert ids(client.get(url("referrals/"), {"overdue": "true"})) == {uuid["late"]}
    assert ids(client.get(url("referrals/"), {"cancer_site": "lung"})) == {uuid["lung"]}
    assert ids(client.get(url("referrals/"), {"center": str(center.uuid)})) == {
        uuid[n] for n in ("late", "mine", "lung", "reviewing")
    }
    both = client.get(url("referrals/"), {"status": ["accepted", "under_review"]})
    assert ids(both) == {uuid["mine"], uuid["reviewing"]}


def test_search_finds_by_patient_name_mrn_and_reference(api, queue):
    rows, people, _center = queue
    client = api(people["coordinator"])
    late = rows["late"]
    assert ids(client.get(url("referrals/"), {"search": "okaf"})) == {str(late.uuid)}
    assert ids(client.get(url("referrals/"), {"search": late.patient.mrn})) == {str(late.uuid)}
    assert ids(client.get(url("referrals/"), {"search": late.reference})) == {str(late.uuid)}


def test_assigned_to_me_is_the_specialist_s_and_the_pathologist_s_own_work(api, queue):
    rows, people, _center = queue
    mine = ids(api(people["specialist"]).get(url("referrals/"), {"assigned_to": "me"}))
    assert mine == {str(rows["mine"].uuid), str(rows["reviewing"].uuid)}
    reviews = ids(api(people["pathologist"]).get(url("referrals/"), {"assigned_to": "me"}))
    assert reviews == {str(rows["reviewing"].uuid)}


def test_cursor_pages_walk_every_row_once_even_when_new_ones_arrive(api, queue):
    rows, people, _center = queue
    client = api(people["coordinator"])
    first = client.get(url("referrals/"), {"page_size": 2}).json()
    assert "count" not in first
    seen = [row["id"] for row in first["results"]]
    # A new referral arrives between pages: it sorts first and does not shift the next page.
    ReferralFactory(
        patient=PatientFactory(organization=rows["late"].referring_organization),
        receiving_center=rows["late"].receiving_center,
        referring_oncologist=rows["late"].referring_oncologist,
    )
    next_url = first["next"]
    while next_url:
        page = client.get(next_url).json()
        seen += [row["id"] for row in page["results"]]
        next_url = page["next"]
    assert sorted(seen) == sorted(str(r.uuid) for r in rows.values())
    assert len(seen) == len(set(seen))


def test_a_third_opinion_is_started_from_an_issued_recommendation(api):
    from tests.factories import referral_in_state

    previous = referral_in_state(Status.RETURNED)
    another_center = CancerCenterFactory()
    response = api(previous.referring_oncologist).post(
        url("referrals/"),
        {"previous_referral": str(previous.uuid), "receiving_center": str(another_center.uuid)},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["opinion_number"] == 3
    assert body["previous_referral"] == str(previous.uuid)
    assert body["patient"] == str(previous.patient.uuid)
    assert body["status"] == "draft"
