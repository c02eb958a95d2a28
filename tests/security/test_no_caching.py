"""Pages and API answers that carry PHI are never kept by a browser or a shared cache.

The outside test found referral and patient details, exports and attachments answered
without `Cache-Control: no-store` (only the portal's downloads had it).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from referrals.models import RecordAttachment
from tests.admin.helpers import change_url
from tests.api.conftest import client_for
from tests.factories import Cast, referral_in_state

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_page_and_answer_about_a_patient_says_no_store():
    referral = referral_in_state("under_review")
    cast = Cast(referral)
    api = client_for(cast.center_coordinator)
    browser = Client()
    browser.force_login(cast.center_coordinator)
    specialist = Client()
    specialist.force_login(cast.specialist)

    record = referral.record_items.first()
    upload = client_for(cast.specialist).post(
        f"/api/v1/records/{record.uuid}/attachments/",
        {"file": SimpleUploadedFile("notes.txt", b"Seen in clinic.", "text/plain")},
    )
    assert upload.status_code == 201, upload.content
    assert RecordAttachment.objects.filter(record_item=record).exists()

    responses = {
        "API referral detail": api.get(f"/api/v1/referrals/{referral.uuid}/"),
        "API patient detail": client_for(cast.referring_oncologist).get(
            f"/api/v1/patients/{referral.patient.uuid}/"
        ),
        "API FHIR export": api.get(f"/api/v1/referrals/{referral.uuid}/fhir/"),
        "API attachment": api.get(upload.json()["download_url"]),
        "admin referral page": browser.get(change_url(referral)),
        "admin record page": browser.get(change_url(record)),
        "portal referral page": specialist.get(f"/referrals/{referral.uuid}/"),
    }

    for name, response in responses.items():
        assert response.status_code == 200, name
        assert no_store(response), name
        assert "private" in response["Cache-Control"], name


def test_static_files_stay_cacheable(client):
    response = client.get("/static/portal/portal.css")

    assert response.status_code == 200
    assert not no_store(response)
