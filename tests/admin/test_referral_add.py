"""Opening a referral from the admin: through the service, and never twice to one center."""

from django.urls import reverse

from audit.models import AuditEntry
from referrals.models import Referral, ReferralEvent
from tests.admin.helpers import change_url
from tests.factories import CommunityPracticeFactory, PatientFactory

ADD_URL = reverse("admin:referrals_referral_add")


def referral_form(patient, center, oncologist) -> dict:
    return {
        "patient": patient.pk,
        "receiving_center": center.pk,
        "referring_oncologist": oncologist.pk,
        "cancer_site": "breast",
        "diagnosis": "Invasive ductal carcinoma",
        "reasons": ["complex_diagnosis", "patient_uncertainty"],
        "clinical_question": "Neoadjuvant therapy first?",
        "initiated_by": "physician",
        "urgency": "routine",
        "modality": "virtual",
    }


def test_the_referring_coordinator_opens_a_draft_with_the_default_checklist(client, setting):
    patient = PatientFactory(organization=setting.practice)
    client.force_login(setting.referring_coordinator)

    response = client.post(
        ADD_URL, referral_form(patient, setting.center, setting.oncologist), follow=True
    )

    referral = Referral.objects.get(patient=patient)
    assert f'<a href="{change_url(referral)}">{referral.reference}</a>' in response.content.decode()
    assert (referral.status, referral.created_by) == ("draft", setting.referring_coordinator)
    assert referral.reasons == ["complex_diagnosis", "patient_uncertainty"]
    assert referral.record_items.count() == 4
    assert ReferralEvent.objects.filter(referral=referral, kind="created").exists()


def test_a_second_open_referral_to_the_same_center_is_refused_with_a_link(client, setting):
    patient = PatientFactory(organization=setting.practice)
    open_one = setting.referral(patient=patient)
    client.force_login(setting.referring_coordinator)

    response = client.post(ADD_URL, referral_form(patient, setting.center, setting.oncologist))

    assert response.status_code == 200
    page = response.content.decode()
    assert "This patient already has an open referral to this center" in page
    assert f'<a href="{change_url(open_one)}">{open_one.reference}</a>' in page
    assert Referral.objects.filter(patient=patient).count() == 1


def test_the_center_coordinator_does_not_open_referrals(coordinator_client, setting):
    assert coordinator_client.get(ADD_URL).status_code == 403


def test_the_patient_is_searched_for_not_listed_and_each_match_shown_is_audited(client, setting):
    wanted = PatientFactory(organization=setting.practice, family_name="Halvorsen")
    other = PatientFactory(organization=setting.practice, family_name="Ibarra")
    elsewhere = PatientFactory(organization=CommunityPracticeFactory(), family_name="Halvorsen")
    coordinator = setting.referring_coordinator
    client.force_login(coordinator)

    page = client.get(ADD_URL).content.decode()
    assert wanted.family_name not in page and other.family_name not in page
    assert 'class="admin-autocomplete' in page

    search = {
        "app_label": "referrals",
        "model_name": "referral",
        "field_name": "patient",
        "term": "Halvorsen",
    }
    found = client.get(reverse("admin:autocomplete"), search).json()["results"]

    assert [result["id"] for result in found] == [str(wanted.pk)]
    listed = AuditEntry.objects.filter(actor=coordinator, action="list")
    assert [(entry.patient_id, entry.interface) for entry in listed] == [(wanted.pk, "admin")]
    assert not AuditEntry.objects.filter(patient_id__in=[other.pk, elsewhere.pk]).exists()
