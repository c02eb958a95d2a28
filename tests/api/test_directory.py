"""The directory: the ids a client needs to send a referral and to run it, and no more."""

import pytest

from accounts.models import IntakeRule, Membership, Organization
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    member,
    referral_in_state,
)
from tests.queries import assert_queries

Role = Membership.Role
pytestmark = pytest.mark.django_db


def names(rows) -> set[str]:
    return {row["name"] for row in rows}


def test_centers_lists_where_a_referral_can_go_with_the_sites_each_takes(api):
    lung_only = CancerCenterFactory(name="Lakeside Lung Institute")
    IntakeRule.objects.create(center=lung_only, cancer_site="lung")
    breast = CancerCenterFactory(name="Harbor Breast Center")
    IntakeRule.objects.create(center=breast, cancer_site="breast")
    laboratory = CancerCenterFactory(
        name="Basic Science Lab", nci_designation=Organization.NCIDesignation.BASIC
    )
    practice = CommunityPracticeFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)

    everything = api(oncologist).get(url("centers/"))
    lung = api(oncologist).get(url("centers/"), {"cancer_site": "lung"})

    assert everything.status_code == lung.status_code == 200
    listed = {row["name"]: row for row in everything.json()}
    assert {lung_only.name, breast.name} <= set(listed)
    assert laboratory.name not in listed and practice.name not in listed
    assert listed[lung_only.name]["accepts_cancer_sites"] == ["lung"]
    assert listed[lung_only.name]["id"] == str(lung_only.uuid)
    assert lung_only.name in names(lung.json()) and breast.name not in names(lung.json())
    # Centers without intake rules take every site, so they stay in the filtered list.
    unrestricted = [n for n, row in listed.items() if not row["accepts_cancer_sites"]]
    assert unrestricted and set(unrestricted) <= names(lung.json())


def test_centers_refuses_an_unknown_site_and_strangers(api):
    oncologist = member(CommunityPracticeFactory(), Role.REFERRING_ONCOLOGIST)

    bad = api(oncologist).get(url("centers/"), {"cancer_site": "elbow"})

    assert bad.status_code == 400
    assert "cancer_site" in bad.json()["fields"]
    assert api(None).get(url("centers/")).status_code == 401


def test_centers_costs_the_same_queries_however_many_rules(api):
    oncologist = member(CommunityPracticeFactory(), Role.REFERRING_ONCOLOGIST)
    client = api(oncologist)
    with assert_queries(at_most=10) as few:
        client.get(url("centers/"))
    for site in ("lung", "breast", "colorectal"):
        IntakeRule.objects.create(center=CancerCenterFactory(), cancer_site=site)
    with assert_queries(at_most=len(few.captured_queries)):
        assert len(client.get(url("centers/")).json()) >= 3


def test_colleagues_are_the_people_of_the_callers_own_organizations(api):
    center, other_center = CancerCenterFactory(), CancerCenterFactory()
    coordinator = member(center, Role.COORDINATOR)
    specialist = member(center, Role.SPECIALIST, full_name="Dana Reyes", title="MD")
    pathologist = member(center, Role.PATHOLOGIST)
    retired = member(center, Role.SPECIALIST, is_active=False)
    stranger = member(other_center, Role.SPECIALIST)

    everyone = api(coordinator).get(url("colleagues/")).json()
    specialists = api(coordinator).get(url("colleagues/"), {"role": "specialist"}).json()

    ids = {row["id"] for row in everyone}
    assert ids == {str(user.uuid) for user in (coordinator, specialist, pathologist)}
    assert str(retired.uuid) not in ids and str(stranger.uuid) not in ids
    assert specialists == [
        {
            "id": str(specialist.uuid),
            "full_name": "Dana Reyes",
            "title": "MD",
            "email": specialist.email,
            "role": "specialist",
            "organization": str(center.uuid),
        }
    ]
    other_org = api(coordinator).get(url("colleagues/"), {"organization": str(other_center.uuid)})
    assert other_org.status_code == 200 and other_org.json() == []


def test_colleagues_refuses_an_unknown_role(api):
    coordinator = member(CancerCenterFactory(), Role.COORDINATOR)

    response = api(coordinator).get(url("colleagues/"), {"role": "surgeon"})

    assert response.status_code == 400
    assert "role" in response.json()["fields"]


def test_a_client_accepts_a_referral_with_a_specialist_found_in_the_directory(api):
    referral = referral_in_state(Referral.Status.SUBMITTED, with_specialist=False)
    coordinator = member(referral.receiving_center, Role.COORDINATOR)
    specialist = member(referral.receiving_center, Role.SPECIALIST)
    client = api(coordinator)

    [found] = client.get(url("colleagues/"), {"role": "specialist"}).json()
    response = client.post(
        url(f"referrals/{referral.uuid}/transitions/"),
        {"action": "accept", "specialist": found["id"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["specialist"] == str(specialist.uuid)
