"""Issuing and revoking the patient's link through the API, the admin and the portal; the
patient-access report lists what the patient did."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from companion.models import PatientLink, PatientQuestion
from referrals.models import Referral
from tests.api.conftest import client_for, url
from tests.companion.helpers import give_link, open_page
from tests.factories import Cast, PathologyReviewFactory, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db


def path_of(full_url: str) -> str:
    return "/" + full_url.split("/", 3)[3]


def test_the_api_issues_the_link_once_and_revokes_it(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    endpoint = url(f"referrals/{referral.uuid}/patient-link/")

    issued = client_for(cast.referring_coordinator).post(endpoint, {}, format="json")
    assert issued.status_code == 201
    body = issued.json()
    assert set(body) == {"url", "expires_at"}
    assert body["expires_at"] is None  # open: it works until 30 days after the referral ends
    assert open_page(client, path_of(body["url"])).status_code == 200

    # The center may not, and another practice's oncologist does not even see the referral.
    assert client_for(cast.center_coordinator).post(endpoint, {}).status_code == 403
    assert client_for(cast.other_oncologist).post(endpoint, {}).status_code == 404
    detail = client_for(cast.referring_oncologist).get(url(f"referrals/{referral.uuid}/"))
    assert "issue_patient_link" in detail.json()["capabilities"]
    assert body["url"] not in detail.content.decode()

    revoked = client_for(cast.referring_oncologist).delete(endpoint)
    assert revoked.status_code == 204
    assert client.get(path_of(body["url"])).status_code == 404


def test_the_api_refuses_a_new_link_once_the_referral_has_ended():
    returned = referral_in_state(Status.RETURNED)
    issued = client_for(returned.referring_oncologist).post(
        url(f"referrals/{returned.uuid}/patient-link/"), {"email": False}, format="json"
    )
    assert issued.status_code == 201
    closed = referral_in_state(Status.CLOSED)
    refused = client_for(closed.referring_oncologist).post(
        url(f"referrals/{closed.uuid}/patient-link/"), {}, format="json"
    )
    assert refused.status_code == 409


def test_the_admin_issues_the_link_in_a_message_and_revokes_it(client):
    referral = referral_in_state(Status.ACCEPTED)
    coordinator = Cast(referral).referring_coordinator
    coordinator.is_staff = True
    coordinator.save()
    admin = type(client)()
    admin.force_login(coordinator)
    changelist = reverse("admin:referrals_referral_changelist")
    answer = admin.post(
        changelist,
        {"action": "issue_patient_link", "_selected_action": [referral.pk]},
        follow=True,
    )
    text = answer.content.decode()
    assert "the patient&#x27;s link, shown only this once: http" in text
    link_url = text.split("shown only this once: ")[1].split("<")[0].strip()
    assert open_page(client, path_of(link_url)).status_code == 200

    admin.post(changelist, {"action": "revoke_patient_link", "_selected_action": [referral.pk]})
    assert client.get(path_of(link_url)).status_code == 404
    assert PatientLink.objects.get(referral=referral).revoked_by == coordinator


def test_the_portal_shows_the_link_once_and_revokes_it(client):
    referral = referral_in_state(Status.SUBMITTED)
    staff = type(client)()
    staff.force_login(referral.referring_oncologist)
    detail = staff.get(f"/referrals/{referral.uuid}/").content.decode()
    assert "Give the patient a link" in detail
    shown = staff.post(f"/referrals/{referral.uuid}/patient-link/").content.decode()
    assert "It is shown only once" in shown
    link_url = shown.split('id="patient-link-url">')[1].split("<")[0]
    assert link_url not in staff.get(f"/referrals/{referral.uuid}/").content.decode()
    assert open_page(client, path_of(link_url)).status_code == 200
    staff.post(f"/referrals/{referral.uuid}/patient-link/revoke/")
    assert client.get(path_of(link_url)).status_code == 404


def test_the_patient_access_report_lists_the_patients_own_views(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    path = give_link(referral)
    client.post(path, {"date_of_birth": "1900-01-01"})
    open_page(client, path)
    out = StringIO()
    call_command("patient_access_report", str(referral.patient.uuid), stdout=out)
    patient_rows = [line for line in out.getvalue().splitlines() if "  patient  " in line]
    actions = [row.split("  -  ")[1].split()[0] for row in patient_rows]
    assert actions == ["Failed", "Logged", "Viewed"]


def test_the_portal_offers_the_link_and_the_answers_only_to_whom_the_rulebook_grants(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    PatientQuestion.objects.create(referral=referral, text="Is it safe to wait?")
    offers = {}
    for name in ("referring_oncologist", "center_coordinator", "specialist", "pathologist"):
        person = getattr(cast, name)
        if name == "pathologist":
            PathologyReviewFactory(referral=referral, pathologist=person)
        staff = type(client)()
        staff.force_login(person)
        page = staff.get(f"/referrals/{referral.uuid}/").content.decode()
        assert "Is it safe to wait?" in page
        offers[name] = ("Give the patient a link" in page, "Answer question 1" in page)
    assert offers == {
        "referring_oncologist": (True, False),
        "center_coordinator": (False, False),
        "specialist": (False, True),
        "pathologist": (False, False),
    }
