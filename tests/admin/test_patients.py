"""Patients in the admin: the practice's own, changed through the patient service, audited."""

from audit.models import AuditEntry
from tests.admin.helpers import change_url, form_data
from tests.factories import CommunityPracticeFactory, PatientFactory


def test_the_practice_coordinator_updates_a_patient_through_the_service(client, setting):
    patient = PatientFactory(organization=setting.practice, phone="555-0100")
    client.force_login(setting.referring_coordinator)

    page = client.get(change_url(patient))
    data = form_data(page, "patient_form")
    data["phone"] = "555-0199"
    response = client.post(change_url(patient), data)

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "555-0199"
    assert AuditEntry.objects.filter(patient_id=patient.pk, action="view").exists()
    update = AuditEntry.objects.get(patient_id=patient.pk, action="update")
    assert update.changes == {"phone": ["555-0100", "555-0199"]}


def test_a_duplicate_mrn_is_a_form_error(client, setting):
    PatientFactory(organization=setting.practice, mrn="MRN-1")
    patient = PatientFactory(organization=setting.practice, mrn="MRN-2")
    client.force_login(setting.referring_coordinator)
    data = form_data(client.get(change_url(patient)), "patient_form")
    data["mrn"] = "MRN-1"

    response = client.post(change_url(patient), data)

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    patient.refresh_from_db()
    assert patient.mrn == "MRN-2"


def test_another_practices_patient_is_a_404(client, setting):
    stranger = PatientFactory(organization=CommunityPracticeFactory())
    client.force_login(setting.referring_coordinator)

    assert client.get(change_url(stranger)).status_code == 404
