"""A list that names patients is a read of each of them: every row shown is audited as listed.

The API's patient list, the admin's referral and patient change lists and its home work
queue, and the portal's work lists each write one "listed" entry per row they show (in one
INSERT), and those entries appear in the patient's "who looked at my record" report.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from audit.models import AuditEntry
from referrals.models import Patient, Referral
from tests.admin.helpers import changelist_url
from tests.api.conftest import client_for
from tests.factories import (
    Cast,
    PathologyReviewFactory,
    PatientFactory,
    referral_in_state,
)

Role = Membership.Role
Status = Referral.Status
LISTED = AuditEntry.Action.LIST
pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> Cast:
    """Two late referrals of one practice's patients to one center, and one elsewhere."""
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    late = timezone.localdate() - datetime.timedelta(days=2)
    second = referral_in_state(
        Status.UNDER_REVIEW,
        patient=PatientFactory(organization=referral.referring_organization),
        receiving_center=referral.receiving_center,
        referring_oncologist=referral.referring_oncologist,
        specialist=referral.specialist,
    )
    Referral.objects.filter(pk__in=[referral.pk, second.pk]).update(next_due=late)
    cast.referrals = [referral, second]
    cast.elsewhere = referral_in_state(Status.UNDER_REVIEW)  # another practice, another center
    return cast


def browser_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(user, interface: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(actor=user, action=LISTED, interface=interface))


def test_the_api_patient_list_audits_each_patient_it_returns(cast):
    coordinator = cast.referring_coordinator
    response = client_for(coordinator).get("/api/v1/patients/")

    assert response.status_code == 200
    returned = {row["id"] for row in response.json()["results"]}
    patients = {str(referral.patient.uuid) for referral in cast.referrals}
    assert returned == patients
    entries = listed(coordinator, "api")
    assert {entry.object_id for entry in entries} == patients
    assert {entry.patient_id for entry in entries} == {r.patient_id for r in cast.referrals}
    assert {entry.object_type for entry in entries} == {"referrals.Patient"}
    assert all(entry.client_address == "127.0.0.1" for entry in entries)


@pytest.mark.parametrize(
    ("model", "rows"),
    [(Referral, "referrals"), (Patient, "patients")],
)
def test_an_admin_change_list_audits_the_rows_on_its_page(cast, model, rows):
    coordinator = cast.referring_coordinator
    response = browser_as(coordinator).get(changelist_url(model))

    assert response.status_code == 200
    entries = listed(coordinator, "admin")
    shown = cast.referrals if rows == "referrals" else [r.patient for r in cast.referrals]
    assert sorted(entry.object_id for entry in entries) == sorted(str(o.uuid) for o in shown)
    assert {entry.object_type for entry in entries} == {model._meta.label}
    # Every entry leads to the patient it named, and nothing from elsewhere was listed.
    patients = {entry.patient_id for entry in entries}
    assert patients == {referral.patient_id for referral in cast.referrals}
    assert cast.elsewhere.patient_id not in patients


def test_a_bulk_action_posted_from_the_change_list_lists_nothing(cast):
    coordinator = cast.center_coordinator
    browser_as(coordinator).post(
        changelist_url(Referral),
        {"action": "export_csv", "_selected_action": [str(cast.referrals[0].pk)]},
    )
    assert listed(coordinator, "admin") == []


def test_the_admin_home_audits_the_referrals_its_work_queue_shows(cast):
    coordinator = cast.center_coordinator
    page = browser_as(coordinator).get("/admin/").content.decode()

    for referral in cast.referrals:
        assert referral.reference in page
    entries = listed(coordinator, "admin")
    assert sorted(entry.referral_id for entry in entries) == sorted(r.pk for r in cast.referrals)
    assert {entry.detail for entry in entries} == {"admin home work queue"}


@pytest.mark.parametrize("role", ["specialist", "referring_oncologist", "pathologist"])
def test_a_portal_work_list_audits_each_row_it_shows(cast, role):
    user = getattr(cast, role)
    if role == "pathologist":
        for referral in cast.referrals:
            PathologyReviewFactory(referral=referral, pathologist=user)
    page = browser_as(user).get("/").content.decode()

    for referral in cast.referrals:
        assert referral.reference in page
    entries = listed(user, "portal")
    assert sorted(entry.referral_id for entry in entries) == sorted(r.pk for r in cast.referrals)
    assert cast.elsewhere.pk not in {entry.referral_id for entry in entries}


def test_a_listing_appears_in_the_patients_access_report(cast):
    browser_as(cast.specialist).get("/")
    patient = cast.referrals[0].patient

    out = StringIO()
    call_command("patient_access_report", str(patient.uuid), stdout=out)

    lines = [line for line in out.getvalue().splitlines() if "Listed" in line]
    assert len(lines) == 1
    assert cast.specialist.email in lines[0] and "portal" in lines[0].lower()
    other = StringIO()
    call_command("patient_access_report", str(cast.elsewhere.patient.uuid), stdout=other)
    assert "Listed" not in other.getvalue()
