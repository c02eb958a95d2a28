"""Choosing with eyes open (each specialist's subspecialties and open workload; the centers on
the platform first) and landing where one works (coordinators on the work queue, analysts on
the dashboard, the referring oncologist on the recommendation)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Membership, Organization
from accounts.reference_data import load_nci_centers
from referrals.models import Referral
from referrals.selectors import specialists_for_assignment
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    ReferralFactory,
    member,
    referral_in_state,
)
from tests.queries import assert_queries, counted_queries

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def specialist_at(center, name: str, subspecialties: str = ""):
    user = member(center, Role.SPECIALIST, full_name=name)
    Membership.objects.filter(user=user, organization=center).update(subspecialties=subspecialties)
    return user


def assign(specialist, how_many: int, status=Status.UNDER_REVIEW):
    for _ in range(how_many):
        ReferralFactory(
            specialist=specialist,
            receiving_center=specialist.memberships.get().organization,
            status=status,
        )


# --- The accept form: who covers what, and how busy they are -------------------------------


def test_the_portal_accept_form_shows_each_specialists_subspecialties_and_open_referrals(
    client,
):
    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    center = referral.receiving_center
    ruiz = specialist_at(center, "Dr. Ana Ruiz", "Breast, sarcoma")
    okafor = specialist_at(center, "Dr. Ben Okafor")
    assign(ruiz, 3)
    assign(ruiz, 2, status=Status.CLOSED)  # finished: not workload
    assign(okafor, 1, status=Status.MONITORING)
    coordinator = member(center, Role.COORDINATOR)
    client.force_login(coordinator)

    page = client.get(reverse("portal:referral-action", args=[referral.uuid, "accept"]))

    html = page.content.decode()
    assert "Dr. Ana Ruiz — Breast, sarcoma — 3 open referrals" in html
    assert re.search(r"Dr\. Ben Okafor — 1 open referral\s*</label>", html)
    assert 'type="radio" name="specialist"' in html


def test_the_admin_accept_form_shows_the_same_details(client):
    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    ruiz = specialist_at(referral.receiving_center, "Dr. Ana Ruiz", "Breast, sarcoma")
    assign(ruiz, 2)
    client.force_login(member(referral.receiving_center, Role.COORDINATOR))

    page = client.get(reverse("admin:referrals_referral_workflow", args=[referral.uuid, "accept"]))

    html = page.content.decode()
    assert re.search(r"Dr\. Ana Ruiz — Breast, sarcoma — 2 open referrals\s*</label>", html)
    assert 'type="radio" name="specialist"' in html


def test_the_specialists_and_their_workload_are_one_query_however_many():
    center = CancerCenterFactory()
    for number in range(6):
        assign(specialist_at(center, f"Dr. {number}", "Lung"), number)
    other_center = CancerCenterFactory()
    specialist_at(other_center, "Dr. Elsewhere")

    with assert_queries(exactly=1):
        rows = [
            (s.full_name, s.subspecialties, s.open_referrals)
            for s in specialists_for_assignment(center)
        ]

    assert rows == [(f"Dr. {number}", "Lung", number) for number in range(6)]


def test_the_accept_page_costs_the_same_for_two_or_eight_specialists(client):
    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    center = referral.receiving_center
    for number in range(2):
        assign(specialist_at(center, f"Dr. A{number}"), 1)
    client.force_login(member(center, Role.COORDINATOR))
    url = reverse("portal:referral-action", args=[referral.uuid, "accept"])
    with counted_queries() as few:
        client.get(url)
    for number in range(6):
        assign(specialist_at(center, f"Dr. B{number}"), 2)

    with assert_queries(exactly=len(few)):
        page = client.get(url).content.decode()

    assert page.count('name="specialist"') == 8


def test_subspecialties_are_edited_in_the_admin(client, admin_user):
    center = CancerCenterFactory()
    specialist = specialist_at(center, "Dr. Ana Ruiz")
    membership = specialist.memberships.get()
    client.force_login(admin_user)
    url = reverse("admin:accounts_membership_change", args=[membership.pk])

    response = client.post(
        url,
        {
            "user": specialist.pk,
            "organization": center.pk,
            "role": Role.SPECIALIST,
            "subspecialties": "Thoracic, head and neck",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.subspecialties == "Thoracic, head and neck"


# --- The center pickers: the centers on the platform first ---------------------------------


def optgroups(html: str, select_name: str) -> list[tuple[str, list[str]]]:
    select = re.search(rf'<select name="{select_name}".*?</select>', html, re.S).group(0)
    return [
        (label, re.findall(r"<option[^>]*>(.*?)</option>", body, re.S))
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    ]


def test_the_portal_center_picker_lists_the_centers_on_the_platform_first(client):
    load_nci_centers(Organization)  # as migrate loads them (a transactional test flushes them)
    on_platform = CancerCenterFactory(name="Aaa Platform Cancer Center")
    member(on_platform, Role.SPECIALIST)
    oncologist = member(CommunityPracticeFactory(), Role.REFERRING_ONCOLOGIST)
    client.force_login(oncologist)

    html = client.get(reverse("portal:referral-create")).content.decode()

    groups = optgroups(html, "receiving_center")
    assert [label for label, _ in groups] == [
        "On Second Opinion Tracker",
        "Other NCI-designated cancer centers",
    ]
    assert groups[0][1] == ["Aaa Platform Cancer Center"]
    # The rest of the NCI list loaded on migrate (comprehensive and clinical centers), by name.
    others = groups[1][1]
    assert "Fred Hutchinson Cancer Center" in others
    assert others == sorted(others)
    assert (
        len(others)
        == Organization.objects.filter(
            kind="cancer_center", is_active=True, nci_designation__in=["comprehensive", "clinical"]
        ).count()
        - 1
    )


def test_the_admin_center_picker_groups_them_the_same_way(client):
    on_platform = CancerCenterFactory(name="Aaa Platform Cancer Center")
    member(on_platform, Role.COORDINATOR)
    practice = CommunityPracticeFactory()
    member(practice, Role.REFERRING_ONCOLOGIST)
    client.force_login(member(practice, Role.COORDINATOR))

    html = client.get(reverse("admin:referrals_referral_add")).content.decode()

    groups = optgroups(html, "receiving_center")
    assert [label for label, _ in groups] == [
        "On Second Opinion Tracker",
        "Other NCI-designated cancer centers",
    ]
    assert groups[0][1] == ["Aaa Platform Cancer Center"]


# --- Landing where one works -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("center_coordinator", "/admin/"),
        ("referring_coordinator", "/admin/"),
        ("analyst", "/reports/"),
        ("specialist", "/"),
        ("referring_oncologist", "/"),
        ("pathologist", "/"),
    ],
)
def test_after_logging_in_each_role_lands_where_they_work(client, role, landing):
    cast = Cast(referral_in_state(Status.SUBMITTED))
    user = getattr(cast, role)

    response = client.post(
        "/accounts/login/", {"username": user.email, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


def test_a_coordinator_who_also_refers_keeps_the_portal_work_list(client):
    practice = CommunityPracticeFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    Membership.objects.create(user=oncologist, organization=practice, role=Role.COORDINATOR)
    client.force_login(oncologist)

    response = client.get("/")

    assert response.status_code == 200
    assert "My referrals" in response.content.decode()


def heading_order(html: str) -> list[str]:
    return re.findall(r'<h2 id="([a-z-]+)-heading"', html)


@pytest.mark.parametrize(
    "status", [Status.RECOMMENDATION_ISSUED, Status.RETURNED, Status.MONITORING, Status.CLOSED]
)
def test_the_referring_oncologist_sees_the_recommendation_first_once_it_is_issued(client, status):
    referral = referral_in_state(status)
    client.force_login(referral.referring_oncologist)

    html = client.get(reverse("portal:referral-detail", args=[referral.uuid])).content.decode()

    assert heading_order(html)[0] == "recommendation"
    assert heading_order(html).count("recommendation") == 1


def test_before_the_recommendation_and_for_the_center_the_page_keeps_its_order(client):
    issued = referral_in_state(Status.RECOMMENDATION_ISSUED)
    under_review = referral_in_state(Status.UNDER_REVIEW)

    client.force_login(issued.specialist)
    html = client.get(reverse("portal:referral-detail", args=[issued.uuid])).content.decode()
    assert heading_order(html)[0] == "case"
    assert heading_order(html).count("recommendation") == 1

    client.force_login(under_review.referring_oncologist)
    html = client.get(reverse("portal:referral-detail", args=[under_review.uuid])).content.decode()
    assert heading_order(html)[0] == "case"
