"""The one rule for dates (referrals.validation.dates), as each interface meets it: the API
answers 400 naming the field, the portal and admin forms keep what was typed and name the field,
and nothing is saved.

Rules: a date of birth from 1900 and not in the future; a diagnosis after the birth and not in
the future; a step back-dated at most 365 days and never before the referral was created; a
record date not before the referral and not in the future.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from referrals.models import Patient, RecordItem, Referral, ReferralEvent
from tests.admin.helpers import change_url, form_data
from tests.api.conftest import client_for, url
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    PatientFactory,
    member,
    referral_in_state,
)
from tests.portal.test_forms import new_referral_data

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db
NEXT_YEAR = timezone.localdate().year + 1


def refused(response, field: str) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["fields"]) == [field], body
    return body["fields"][field][0]


def new_patient(**changes) -> dict:
    return {
        "mrn": "MRN-77",
        "given_name": "Ada",
        "family_name": "Okafor",
        "date_of_birth": "1958-03-09",
        **changes,
    }


@pytest.fixture
def practice():
    return CommunityPracticeFactory()


@pytest.fixture
def practice_coordinator(practice):
    return member(practice, Role.COORDINATOR)


# Date of birth


@pytest.mark.parametrize(
    "date_of_birth, message",
    [
        (f"{NEXT_YEAR}-01-15", "A date of birth cannot be in the future."),
        ("1899-12-31", "A date of birth cannot be before 1900."),
    ],
)
def test_the_api_refuses_an_impossible_date_of_birth(practice_coordinator, date_of_birth, message):
    client = client_for(practice_coordinator)
    response = client.post(
        url("patients/"), new_patient(date_of_birth=date_of_birth), format="json"
    )
    assert refused(response, "date_of_birth") == message
    assert not Patient.objects.exists()
    created = client.post(url("patients/"), new_patient(date_of_birth="1900-01-01"), format="json")
    assert created.status_code == 201


def test_editing_a_patient_to_a_future_birth_changes_nothing(practice, practice_coordinator):
    patient = PatientFactory(organization=practice)
    response = client_for(practice_coordinator).patch(
        url(f"patients/{patient.uuid}/"), {"date_of_birth": "2030-06-01"}, format="json"
    )
    refused(response, "date_of_birth")
    patient.refresh_from_db()
    assert patient.date_of_birth == datetime.date(1961, 4, 12)


def test_the_admin_patient_form_names_the_date_of_birth_and_keeps_it(
    client, practice, practice_coordinator
):
    patient = PatientFactory(organization=practice)
    client.force_login(practice_coordinator)
    data = form_data(client.get(change_url(patient)), "patient_form")
    data["date_of_birth"] = "2030-06-01"

    response = client.post(change_url(patient), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["date_of_birth"] == ["A date of birth cannot be in the future."]
    assert 'value="2030-06-01"' in response.content.decode()
    patient.refresh_from_db()
    assert patient.date_of_birth == datetime.date(1961, 4, 12)


def test_the_portal_form_names_a_new_patients_future_birth_and_keeps_it(client):
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    client.force_login(member(practice, Role.REFERRING_ONCOLOGIST))
    data = new_referral_data(
        PatientFactory.build(mrn="NEW-1"),
        center,
        patient_choice="new",
        mrn="NEW-1",
        given_name="Ada",
        family_name="Okafor",
        date_of_birth="2030-06-01",
    )

    response = client.post(reverse("portal:referral-create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["date_of_birth"] == [
        "A date of birth cannot be in the future."
    ]
    assert 'value="2030-06-01"' in response.content.decode()
    assert not Referral.objects.exists()
    assert not Patient.objects.filter(mrn="NEW-1").exists()


# Diagnosis date


@pytest.mark.parametrize(
    "diagnosis_date, message",
    [
        ("1961-04-11", "A diagnosis date cannot be before the patient's birth."),
        (f"{NEXT_YEAR}-02-01", "A diagnosis date cannot be in the future."),
    ],
)
def test_the_api_refuses_an_impossible_diagnosis_date(diagnosis_date, message):
    patient = PatientFactory()  # born 12 April 1961
    oncologist = member(patient.organization, Role.REFERRING_ONCOLOGIST)
    body = {
        "patient": str(patient.uuid),
        "receiving_center": str(CancerCenterFactory().uuid),
        "cancer_site": "breast",
        "diagnosis": "Invasive ductal carcinoma",
        "diagnosis_date": diagnosis_date,
        "reasons": ["complex_diagnosis"],
    }
    response = client_for(oncologist).post(url("referrals/"), body, format="json")
    assert refused(response, "diagnosis_date") == message
    assert not Referral.objects.exists()
    body["diagnosis_date"] = "1961-04-12"
    assert client_for(oncologist).post(url("referrals/"), body, format="json").status_code == 201


def test_the_portal_form_names_a_diagnosis_before_the_birth_and_keeps_it(client):
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    client.force_login(member(practice, Role.REFERRING_ONCOLOGIST))
    patient = PatientFactory(organization=practice)
    data = new_referral_data(patient, center, diagnosis_date="1950-05-05")

    response = client.post(reverse("portal:referral-create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["diagnosis_date"] == [
        "A diagnosis date cannot be before the patient's birth."
    ]
    assert 'value="1950-05-05"' in response.content.decode()
    assert not Referral.objects.exists()


# Back-dated steps


def transition(referral, user, when: datetime.datetime):
    data = {
        "action": "accept",
        "specialist": str(Cast(referral).specialist.uuid),
        "occurred_at": when.isoformat(),
        "backdate_reason": "Entered late",
    }
    return client_for(user).post(
        url(f"referrals/{referral.uuid}/transitions/"), data, format="json"
    )


@pytest.mark.parametrize(
    "when, message",
    [
        (
            datetime.datetime(1000, 1, 1, tzinfo=datetime.UTC),
            "A step can be recorded at most 365 days after it happened.",
        ),
        (
            timezone.now() - datetime.timedelta(days=366),
            "A step can be recorded at most 365 days after it happened.",
        ),
    ],
    ids=["year 1000", "366 days ago"],
)
def test_a_step_back_dated_too_far_is_refused_and_nothing_moves(when, message):
    referral = referral_in_state(Status.SUBMITTED)
    response = transition(referral, Cast(referral).center_coordinator, when)
    assert refused(response, "occurred_at") == message
    referral.refresh_from_db()
    assert (referral.status, referral.accepted_at) == (Status.SUBMITTED, None)
    assert not ReferralEvent.objects.filter(referral=referral, kind="accept").exists()


def test_a_step_cannot_be_back_dated_before_the_referral_was_created():
    # The creation bound is checked before the previous milestone's (the referral stays
    # submitted: a referral never submitted is not the center's to see).
    referral = referral_in_state(Status.SUBMITTED)
    before_creation = referral.created_at - datetime.timedelta(hours=2)
    response = transition(referral, Cast(referral).center_coordinator, before_creation)
    assert refused(response, "occurred_at") == "Cannot be earlier than the referral was created."


def test_a_step_back_dated_within_the_bound_is_recorded(settings):
    referral = referral_in_state(Status.SUBMITTED)
    when = referral.submitted_at + datetime.timedelta(days=2)
    response = transition(referral, Cast(referral).center_coordinator, when)
    assert response.status_code == 200, response.content
    referral.refresh_from_db()
    assert referral.accepted_at == when


def test_the_back_dating_bound_is_a_setting(settings):
    settings.INPUT_LIMITS = {**settings.INPUT_LIMITS, "backdate_days": 7}
    referral = referral_in_state(Status.SUBMITTED)
    when = referral.submitted_at + datetime.timedelta(days=2)  # 28 days ago
    response = transition(referral, Cast(referral).center_coordinator, when)
    assert refused(response, "occurred_at") == (
        "A step can be recorded at most 7 days after it happened."
    )


# Record dates


@pytest.mark.parametrize(
    "when, message",
    [
        (datetime.datetime(2, 6, 1, tzinfo=datetime.UTC), "at most 365 days"),
        (timezone.now() + datetime.timedelta(days=3), "Cannot be in the future."),
    ],
    ids=["year 2", "in three days"],
)
def test_a_record_sent_at_an_impossible_date_is_refused(when, message):
    referral = referral_in_state(Status.SUBMITTED)
    item = referral.record_items.get()
    response = client_for(referral.referring_oncologist).patch(
        url(f"records/{item.uuid}/"),
        {"status": "sent", "occurred_at": when.isoformat(), "backdate_reason": "Late"},
        format="json",
    )
    assert message in refused(response, "occurred_at")
    item.refresh_from_db()
    assert (item.status, item.sent_at) == (RecordItem.Status.REQUESTED, None)


def test_a_record_cannot_be_sent_before_the_referral_was_created():
    referral = referral_in_state(Status.SUBMITTED)
    item = referral.record_items.get()
    when = referral.created_at - datetime.timedelta(days=1)
    response = client_for(referral.referring_oncologist).patch(
        url(f"records/{item.uuid}/"),
        {"status": "sent", "occurred_at": when.isoformat(), "backdate_reason": "Late"},
        format="json",
    )
    assert refused(response, "occurred_at") == "Cannot be earlier than the referral was created."


def test_a_progress_update_cannot_predate_the_referral():
    referral = referral_in_state(Status.MONITORING)
    response = client_for(referral.referring_oncologist).post(
        url(f"referrals/{referral.uuid}/progress-updates/"),
        {"update_date": "2001-01-01", "response": "stable", "recommendation_followed": "yes"},
        format="json",
    )
    assert refused(response, "update_date") == "Cannot be earlier than the referral was created."
    assert not referral.progress_updates.exists()
