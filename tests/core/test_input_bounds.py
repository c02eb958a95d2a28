"""Bounds on what one request may ask (settings.INPUT_LIMITS): record items per referral (60),
trials per recommendation (20), characters of free text (20,000). Each refusal is a 400 that
names the field, quickly, and saves nothing."""

import time

import pytest
from django.urls import reverse

from accounts.models import Membership
from referrals.models import RecordItem, Referral
from tests.api.conftest import client_for, url
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    PatientFactory,
    RecordItemFactory,
    member,
    referral_in_state,
)
from tests.portal.test_forms import new_referral_data

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db


def refused(response, field: str) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert list(body["fields"]) == [field], body
    return body["fields"][field][0]


def new_referral_body(patient, **changes) -> dict:
    return {
        "patient": str(patient.uuid),
        "receiving_center": str(CancerCenterFactory().uuid),
        "cancer_site": "breast",
        "diagnosis": "Invasive ductal carcinoma",
        "reasons": ["complex_diagnosis"],
        **changes,
    }


@pytest.mark.parametrize("count", [61, 20_000])
def test_a_referral_with_too_many_record_items_is_refused_at_once(count):
    patient = PatientFactory()
    oncologist = member(patient.organization, Role.REFERRING_ONCOLOGIST)
    items = [{"kind": "other", "description": f"Item {n}"} for n in range(count)]

    started = time.monotonic()
    response = client_for(oncologist).post(
        url("referrals/"), new_referral_body(patient, record_items=items), format="json"
    )

    assert time.monotonic() - started < 10  # it took over two minutes
    assert "60" in refused(response, "record_items")
    assert not Referral.objects.exists()


def test_sixty_record_items_are_accepted():
    patient = PatientFactory()
    oncologist = member(patient.organization, Role.REFERRING_ONCOLOGIST)
    items = [{"kind": "other", "description": f"Item {n}"} for n in range(60)]
    response = client_for(oncologist).post(
        url("referrals/"), new_referral_body(patient, record_items=items), format="json"
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["record_items"]) == 60


def test_no_record_item_is_added_beyond_the_bound():
    referral = referral_in_state(Status.DRAFT)
    RecordItemFactory.create_batch(60 - referral.record_items.count(), referral=referral)
    response = client_for(referral.referring_oncologist).post(
        url(f"referrals/{referral.uuid}/records/"), {"kind": "lab_results"}, format="json"
    )
    assert refused(response, "record_items") == "A referral lists at most 60 record items."
    assert RecordItem.objects.filter(referral=referral).count() == 60


def test_a_recommendation_names_at_most_twenty_trials():
    referral = referral_in_state(Status.UNDER_REVIEW)
    specialist = Cast(referral).specialist
    body = {
        "concordance": "modifies",
        "summary": "Add a CDK4/6 inhibitor.",
        "clinical_trials": [f"NCT{n:08d}" for n in range(21)],
    }
    path = url(f"referrals/{referral.uuid}/recommendation/")
    response = client_for(specialist).post(path, body, format="json")
    refused(response, "clinical_trials")
    assert not referral.recommendations.exists()
    body["clinical_trials"] = body["clinical_trials"][:20]
    assert client_for(specialist).post(path, body, format="json").status_code == 200


def test_free_text_is_bounded_through_the_api():
    patient = PatientFactory()
    oncologist = member(patient.organization, Role.REFERRING_ONCOLOGIST)
    response = client_for(oncologist).post(
        url("referrals/"), new_referral_body(patient, diagnosis="x" * 20_001), format="json"
    )
    assert refused(response, "diagnosis") == "At most 20000 characters."
    assert not Referral.objects.exists()


def test_free_text_is_bounded_in_the_portal_form_which_keeps_it(client):
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    client.force_login(member(practice, Role.REFERRING_ONCOLOGIST))
    patient = PatientFactory(organization=practice)
    question = "Is surgery first right? " * 900  # 21,600 characters

    response = client.post(
        reverse("portal:referral-create"),
        new_referral_data(patient, center, clinical_question=question),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["clinical_question"] == ["At most 20000 characters."]
    assert question.strip() in response.content.decode()
    assert not Referral.objects.exists()
