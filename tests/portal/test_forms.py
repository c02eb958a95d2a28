"""The portal's forms through the test client: each goes through its service, errors included."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership
from referrals.models import Recommendation, RecordItem, Referral
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    PathologyReviewFactory,
    PatientFactory,
    RecordItemFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db


def new_referral_data(patient, center, **changes):
    data = {
        "patient_choice": "existing",
        "existing_mrn": patient.mrn,
        "sex": "unknown",
        "consent_to_share_records": "on",
        "receiving_center": center.pk,
        "cancer_site": "breast",
        "diagnosis": "Invasive lobular carcinoma",
        "reasons": ["complex_diagnosis"],
        "clinical_question": "Is endocrine therapy alone enough?",
        "local_treatment_plan": "Endocrine therapy alone.",
        "initiated_by": "patient",
        "urgency": "routine",
        "modality": "records_only",
        "record_clinical_notes": "required",
        "record_pathology_report": "required",
        "record_imaging_report": "optional",
        "submit": "1",
    }
    for kind in RecordItem.Kind.values:
        data.setdefault(f"record_{kind}", "not_needed")
    data.update(changes)
    return data


def test_an_existing_patient_is_referred_and_consent_is_recorded(client):
    practice, center = CommunityPracticeFactory(), CancerCenterFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    patient = PatientFactory(organization=practice, consent_to_share_records=False)
    client.force_login(oncologist)
    response = client.post(reverse("portal:referral-create"), new_referral_data(patient, center))
    referral = Referral.objects.get()
    assert response.url == f"/referrals/{referral.uuid}/"
    assert referral.status == Status.SUBMITTED and referral.initiated_by == "patient"
    assert {(item.kind, item.required) for item in referral.record_items.all()} == {
        ("clinical_notes", True),
        ("pathology_report", True),
        ("imaging_report", False),
    }
    patient.refresh_from_db()
    assert patient.consent_to_share_records


def test_the_new_referral_form_names_no_patient_and_finds_one_only_by_its_mrn(client):
    practice, other_practice = CommunityPracticeFactory(), CommunityPracticeFactory()
    center = CancerCenterFactory()
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST)
    on_file = PatientFactory(organization=practice, family_name="Ostrowski")
    elsewhere = PatientFactory(organization=other_practice, mrn="ELSE-1")
    client.force_login(oncologist)

    form = client.get(reverse("portal:referral-create")).content.decode()
    assert on_file.family_name not in form and on_file.mrn not in form

    for mrn, message in [
        ("", "Enter the patient&#x27;s MRN, or enter a new patient."),
        (elsewhere.mrn, f"has no patient with MRN {elsewhere.mrn} on file"),
        ("NO-SUCH-MRN", "has no patient with MRN NO-SUCH-MRN on file"),
    ]:
        data = new_referral_data(on_file, center, existing_mrn=mrn)
        response = client.post(reverse("portal:referral-create"), data)
        page = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_existing_mrn_error"' in page and message in page
        assert "Invasive lobular carcinoma" in page  # what was typed is kept
        assert elsewhere.family_name not in page
    assert not Referral.objects.exists()

    found = client.post(
        reverse("portal:referral-create"), new_referral_data(on_file, center, existing_mrn=" ")
    )
    assert found.status_code == 400
    created = client.post(
        reverse("portal:referral-create"),
        new_referral_data(on_file, center, existing_mrn=f" {on_file.mrn} "),
    )
    assert created.status_code == 302
    assert Referral.objects.get().patient == on_file


def test_a_second_open_referral_to_the_same_center_is_refused_with_a_link_to_the_first(client):
    existing = referral_in_state(Status.SUBMITTED)
    client.force_login(existing.referring_oncologist)
    response = client.post(
        reverse("portal:referral-create"),
        new_referral_data(existing.patient, existing.receiving_center),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f"already has an open referral to this center: {existing.reference}" in page
    assert f'href="/referrals/{existing.uuid}/"' in page
    assert Referral.objects.count() == 1


def test_a_specialist_may_not_open_the_new_referral_form(client):
    client.force_login(member(CancerCenterFactory(), Role.SPECIALIST))
    assert client.get(reverse("portal:referral-create")).status_code == 403


def test_slides_sent_without_a_tracking_number_are_refused_next_to_that_field(client):
    referral = referral_in_state(Status.ACCEPTED)
    slides = RecordItemFactory(referral=referral, kind="pathology_slides")
    client.force_login(referral.referring_oncologist)
    url = reverse("portal:record-status", args=[referral.uuid, slides.uuid, "sent"])
    response = client.post(url, {"carrier": "FedEx", "specimen_identifiers": "S26-1 A1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_tracking_number_error"' in page
    assert "tracking number for physical material" in page
    assert 'value="FedEx"' in page and 'value="S26-1 A1"' in page
    slides.refresh_from_db()
    assert slides.status == "requested"


def test_a_file_attached_on_the_referral_page_is_listed_there(client):
    referral = referral_in_state(Status.ACCEPTED)
    item = referral.record_items.get()
    client.force_login(referral.referring_oncologist)
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    response = client.post(
        reverse("portal:record-attach", args=[referral.uuid, item.uuid]), {"file": upload}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    attachment = item.attachments.get()
    assert f'href="/attachments/{attachment.uuid}/"' in page and "report.pdf" in page


def test_a_file_of_the_wrong_type_is_refused(client):
    referral = referral_in_state(Status.ACCEPTED)
    item = referral.record_items.get()
    client.force_login(referral.referring_oncologist)
    upload = SimpleUploadedFile("run.sh", b"echo", content_type="application/x-sh")
    response = client.post(
        reverse("portal:record-attach", args=[referral.uuid, item.uuid]), {"file": upload}
    )
    assert response.status_code == 400
    assert "Attach a PDF, an image" in response.content.decode()
    assert not item.attachments.exists()


def test_an_amendment_needs_a_reason_and_keeps_the_signed_version(client):
    referral = referral_in_state(Status.RETURNED)
    client.force_login(referral.specialist)
    url = reverse("portal:recommendation-edit", args=[referral.uuid])
    form = {"concordance": "differs", "summary": "Chemotherapy first after all."}
    missing_reason = client.post(url, form)
    assert missing_reason.status_code == 400
    assert 'id="id_amendment_reason_error"' in missing_reason.content.decode()
    assert "Chemotherapy first after all.</textarea>" in missing_reason.content.decode()

    client.post(url, {**form, "amendment_reason": "New PET scan shows nodal disease."})
    client.post(reverse("portal:recommendation-preview", args=[referral.uuid]))
    versions = list(Recommendation.objects.filter(referral=referral).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None and versions[1].in_force
    page = client.get(reverse("portal:referral-detail", args=[referral.uuid])).content.decode()
    assert "New PET scan shows nodal disease." in page and "Earlier versions (1)" in page


def test_a_third_opinion_is_a_new_draft_to_another_center(client):
    referral = referral_in_state(Status.RETURNED)
    other_center = CancerCenterFactory(name="Second Look Cancer Center")
    client.force_login(referral.referring_oncologist)
    detail = client.get(reverse("portal:referral-detail", args=[referral.uuid]))
    assert "Request another opinion" in detail.content.decode()
    response = client.post(
        reverse("portal:next-opinion", args=[referral.uuid]),
        {
            "receiving_center": other_center.pk,
            "clinical_question": "Do you agree with surgery first?",
            "urgency": "routine",
            "modality": "virtual",
        },
    )
    third = Referral.objects.get(previous_referral=referral)
    assert response.url == f"/referrals/{third.uuid}/"
    assert third.opinion_number == 3 and third.status == Status.DRAFT
    assert third.receiving_center == other_center
    page = client.get(response.url).content.decode()
    assert "Opinion 3" in page and ">Submit</button>" in page


def test_a_third_opinion_cannot_go_to_the_same_center(client):
    referral = referral_in_state(Status.RETURNED)
    client.force_login(referral.referring_oncologist)
    response = client.post(
        reverse("portal:next-opinion", args=[referral.uuid]),
        {
            "receiving_center": referral.receiving_center.pk,
            "clinical_question": "Again?",
            "urgency": "routine",
            "modality": "virtual",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        # DESIGN's roles and where they work: the work queue, the dashboard.
        ("center_coordinator", "/admin/"),
        ("referring_coordinator", "/admin/"),
        ("analyst", "/reports/"),
    ],
)
def test_coordinators_and_analysts_land_where_they_work(client, role, landing):
    cast = Cast(referral_in_state(Status.SUBMITTED))
    client.force_login(getattr(cast, role))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == landing
    assert cast.referral.reference not in response.content.decode()


def test_a_pathology_review_signed_incomplete_says_what_is_missing_and_keeps_the_draft(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    review = PathologyReviewFactory(referral=referral)
    client.force_login(review.pathologist)
    url = reverse("portal:pathology-review", args=[referral.uuid, review.uuid])
    response = client.post(url, {"specimens_reviewed": "4 H&E slides", "sign": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_review_diagnosis_error"' in page and 'id="id_discrepancy_error"' in page
    assert "4 H&amp;E slides</textarea>" in page
    review.refresh_from_db()
    assert not review.is_signed and review.specimens_reviewed == ""


def test_only_the_named_pathologist_fills_in_a_review(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    review = PathologyReviewFactory(referral=referral)
    client.force_login(referral.specialist)
    url = reverse("portal:pathology-review", args=[referral.uuid, review.uuid])
    assert client.get(url).status_code == 200
    assert client.post(url, {"review_diagnosis": "x", "sign": "1"}).status_code == 403


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("updates/new/", "specialist"),
        ("consultation/", "referring_oncologist"),
        ("recommendation/", "pathologist"),
    ],
)
def test_forms_are_not_offered_to_people_who_may_not_save_them(client, path, role):
    referral = referral_in_state(Status.RETURNED if path == "updates/new/" else Status.UNDER_REVIEW)
    cast = Cast(referral)
    PathologyReviewFactory(referral=referral, pathologist=cast.pathologist)
    client.force_login(getattr(cast, role))
    assert client.get(f"/referrals/{referral.uuid}/").status_code == 200
    assert client.get(f"/referrals/{referral.uuid}/{path}").status_code == 403


def test_a_draft_without_consent_is_corrected_and_submitted_from_its_edit_page(client):
    referral = referral_in_state(Status.DRAFT)
    patient = referral.patient
    patient.consent_to_share_records = False
    patient.save()
    client.force_login(referral.referring_oncologist)
    submit = client.post(reverse("portal:referral-action", args=[referral.uuid, "submit"]))
    message = client.get(submit.url).content.decode()
    assert "Waiting for the patient&#x27;s consent to share records." in message
    assert f'href="/referrals/{referral.uuid}/edit/"' in message

    url = reverse("portal:referral-edit", args=[referral.uuid])
    form = client.get(url).content.decode()
    assert "consent_to_share_records" in form and referral.clinical_question in form
    response = client.post(
        url,
        {
            "consent_to_share_records": "on",
            "receiving_center": referral.receiving_center.pk,
            "cancer_site": "breast",
            "diagnosis": referral.diagnosis,
            "stage": "IIB",
            "reasons": ["complex_diagnosis", "patient_uncertainty"],
            "clinical_question": referral.clinical_question,
            "local_treatment_plan": referral.local_treatment_plan,
            "initiated_by": "physician",
            "urgency": "urgent",
            "modality": "virtual",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    patient.refresh_from_db()
    assert referral.status == Status.SUBMITTED and referral.urgency == "urgent"
    assert referral.stage == "IIB" and patient.consent_to_share_records
    edited = referral.events.get(kind="edited")
    assert edited.data["fields"] == ["reasons", "stage", "urgency"]


def test_a_submitted_referral_offers_only_what_can_still_change(client):
    referral = referral_in_state(Status.SUBMITTED)
    client.force_login(referral.referring_oncologist)
    url = reverse("portal:referral-edit", args=[referral.uuid])
    page = client.get(url).content.decode()
    assert 'name="clinical_question"' in page and 'name="urgency"' in page
    assert 'name="diagnosis"' not in page and 'name="receiving_center"' not in page
    client.post(
        url,
        {
            "clinical_question": "Sharper question?",
            "urgency": "routine",
            "modality": "virtual",
            "stage": "IIA",
        },
    )
    referral.refresh_from_db()
    assert referral.clinical_question == "Sharper question?"


def test_a_finished_referral_cannot_be_edited(client):
    referral = referral_in_state(Status.RETURNED)
    client.force_login(referral.referring_oncologist)
    response = client.get(reverse("portal:referral-edit", args=[referral.uuid]), follow=True)
    assert "can no longer be edited" in response.content.decode()


def test_an_action_that_needs_a_reason_asks_for_it_first(client):
    referral = referral_in_state(Status.SUBMITTED)
    client.force_login(referral.referring_oncologist)
    url = reverse("portal:referral-action", args=[referral.uuid, "cancel"])
    form = client.get(url).content.decode()
    assert '<select name="reason_code"' in form and '<textarea name="reason"' in form
    assert "This cannot be undone." in form
    assert '<option value="patient_withdrew">Patient withdrew</option>' in form
    missing = client.post(url, {"reason_code": "other", "reason": "   ", "note": "typed note"})
    assert missing.status_code == 400
    assert 'id="id_reason_error"' in missing.content.decode()
    assert 'value="typed note"' in missing.content.decode()
    client.post(url, {"reason_code": "other", "reason": "The patient chose to stay local."})
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED
    assert referral.cancel_reason_code == "other"
    assert referral.cancel_reason == "The patient chose to stay local."


def test_the_action_form_offers_only_the_centers_specialists(client):
    referral = referral_in_state(Status.SUBMITTED)
    cast = Cast(referral)
    outsider = member(CancerCenterFactory(), Role.SPECIALIST)
    client.force_login(cast.center_coordinator)
    url = reverse("portal:referral-action", args=[referral.uuid, "accept"])
    form = client.get(url).content.decode()
    assert cast.specialist.display_name in form and outsider.display_name not in form
    client.post(url, {"specialist": cast.specialist.pk})
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.specialist == cast.specialist
