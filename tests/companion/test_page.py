"""What the patient reads on their page, and what never reaches it."""

import datetime

import pytest
from django.utils import timezone

from referrals.models import Consultation, RecordItem, Referral
from referrals.services.clinical import consultation_save
from tests.companion.helpers import STAFF_CANARY, give_link, open_page
from tests.factories import (
    ProgressUpdateFactory,
    RecordItemFactory,
    referral_in_state,
)

Status = Referral.Status
pytestmark = pytest.mark.django_db


def test_the_page_says_where_the_request_stands_what_is_next_and_when(client):
    referral = referral_in_state(Status.ACCEPTED)
    referral.records_due = datetime.date(2026, 12, 18)
    referral.save()
    RecordItemFactory(referral=referral, kind=RecordItem.Kind.PATHOLOGY_SLIDES)
    body = open_page(client, give_link(referral)).content.decode()
    assert "The cancer center has agreed to give you a second opinion." in body
    assert "What happens next" in body
    assert "Your medical records arrive at the cancer center." in body
    assert "Expected by Dec. 18, 2026." in body
    # The checklist from the seed article's advice, with the records still being gathered.
    assert "Bring a family member or friend." in body
    assert "Ask whether you may record the visit" in body
    assert "Write down your questions" in body
    assert "These records are still being gathered:" in body
    assert "Glass slides of your tissue" in body
    assert "The report on your biopsy or surgery tissue" in body
    assert f"Call your doctor, {referral.referring_oncologist.display_name}" in body
    # No jargon of the workflow.
    for jargon in ("acknowledge", "Accepted", "records_due", "triage"):
        assert jargon not in body


def test_the_appointment_shows_when_and_how(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    when = timezone.make_aware(datetime.datetime(2026, 12, 21, 14, 30))
    Consultation.objects.create(
        referral=referral, modality=Referral.Modality.IN_PERSON, scheduled_for=when
    )
    body = open_page(client, give_link(referral)).content.decode()
    assert "Your appointment" in body
    assert "Dec. 21, 2026" in body
    assert f"In person, at {referral.receiving_center.name}." in body

    Consultation.objects.filter(referral=referral).update(modality=Referral.Modality.VIRTUAL)
    body = client.get(give_link(referral)).content.decode()
    assert "Dec. 21, 2026" not in body  # a new link: the birth date again
    body = open_page(client, give_link(referral)).content.decode()
    assert "This is a video visit." in body


def test_the_page_never_shows_staff_notes(client):
    referral = referral_in_state(Status.RETURNED)
    Referral.objects.filter(pk=referral.pk).update(
        clinical_question=f"{STAFF_CANARY} question", diagnosis=f"{STAFF_CANARY} diagnosis"
    )
    Consultation.objects.create(
        referral=referral,
        modality=Referral.Modality.VIRTUAL,
        scheduled_for=timezone.now(),
        notes=f"{STAFF_CANARY} consult note",
    )
    RecordItemFactory(referral=referral, description=f"{STAFF_CANARY} record")
    ProgressUpdateFactory(referral=referral, note=f"{STAFF_CANARY} update")
    recommendation = referral.recommendations.get()
    recommendation.summary = f"{STAFF_CANARY} clinical summary"
    recommendation.treatment_options = f"{STAFF_CANARY} options"
    recommendation.patient_summary = "The specialist agrees with your doctor's plan."
    recommendation.save()
    body = open_page(client, give_link(referral)).content.decode()
    assert "The specialist agrees with your doctor&#x27;s plan." in body
    assert STAFF_CANARY not in body
    assert referral.reference not in body
    assert referral.patient.family_name not in body


def test_a_link_of_one_referral_never_reaches_another_referrals_data(client):
    mine = referral_in_state(Status.UNDER_REVIEW)
    other = referral_in_state(Status.UNDER_REVIEW, patient=mine.patient)
    stranger = referral_in_state(Status.RETURNED)
    from companion.models import PatientQuestion

    PatientQuestion.objects.create(referral=other, text="ZQX-OTHER-REFERRAL question")
    PatientQuestion.objects.create(referral=stranger, text="ZQX-STRANGER question")
    mine_path = give_link(mine)
    other_path = give_link(other)
    body = open_page(client, mine_path).content.decode()
    assert "ZQX-OTHER-REFERRAL" not in body
    assert "ZQX-STRANGER" not in body
    assert stranger.patient.given_name not in body
    # Having passed the check for one link does not open another.
    assert "Your date of birth" in client.get(other_path).content.decode()
    # A question posted through one link lands on that link's referral only.
    client.post(f"{mine_path}questions/", {"text": "Mine only?"})
    assert list(mine.patient_questions.values_list("text", flat=True)) == ["Mine only?"]
    assert other.patient_questions.count() == 1


def test_the_patient_names_a_support_person_consents_and_asks_for_an_interpreter(client):
    referral = referral_in_state(Status.ACCEPTED)
    referral.patient.consent_to_record_consult = False
    referral.patient.save()
    path = give_link(referral)
    open_page(client, path)
    answer = client.post(
        f"{path}visit/",
        {
            "support_person_name": "Rosa Zqxsupport",
            "support_person_relation": "sister",
            "consent_to_record_consult": "yes",
            "interpreter_needed": "yes",
        },
    )
    assert answer.status_code == 302
    patient = referral.patient
    patient.refresh_from_db()
    assert (patient.support_person_name, patient.support_person_relation) == (
        "Rosa Zqxsupport",
        "sister",
    )
    assert patient.consent_to_record_consult is True
    assert patient.interpreter_needed is True
    # The center's consult form shows it, and the consult may now be recorded with consent.
    page = client.get(path)
    assert "Your answers are saved" in page.content.decode()
    consultation_save(
        actor=referral.specialist, referral=referral, data={"recording_consented": True}
    )


def test_a_post_without_the_birth_date_check_changes_nothing(client):
    referral = referral_in_state(Status.ACCEPTED)
    path = give_link(referral)
    client.post(f"{path}questions/", {"text": "Sneaky?"})
    client.post(f"{path}visit/", {"support_person_name": "X", "consent_to_record_consult": "no"})
    assert referral.patient_questions.count() == 0
    referral.patient.refresh_from_db()
    assert referral.patient.support_person_name == ""


def test_the_page_carries_the_security_headers_and_no_third_party_assets(client):
    referral = referral_in_state(Status.SUBMITTED)
    page = open_page(client, give_link(referral))
    csp = page["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert "<script" not in body
    assert "https://" not in body and "http://" not in body.replace("http://testserver", "")
