"""Opening a referral from the admin: through the service, and never twice to one center."""

from django.urls import reverse

from referrals.models import Referral, ReferralEvent
from tests.admin.helpers import change_url
from tests.factories import PatientFactory

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
