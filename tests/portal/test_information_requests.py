"""The portal's side of the information loop: the specialist asks, the oncologist answers
(optionally with a new record and its file), the thread on the referral page, and the
progress update's question whether the recommendation is followed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referrals.models import InformationRequest, Referral
from tests.factories import Cast, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db


def action_url(referral, action):
    return reverse("portal:referral-action", kwargs={"uuid": referral.uuid, "action": action})


def detail_url(referral):
    return reverse("portal:referral-detail", kwargs={"uuid": referral.uuid})


def test_the_specialist_asks_and_the_oncologist_answers_with_a_file(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    client.force_login(cast.specialist)
    assert "Request information" in client.get(detail_url(referral)).content.decode()
    refused = client.post(action_url(referral, "request_information"), {"reason": "", "note": ""})
    assert refused.status_code == 400
    client.post(
        action_url(referral, "request_information"),
        {"reason": "clinical_clarification", "note": "Was radiation given to the chest wall?"},
    )
    referral.refresh_from_db()
    assert referral.awaiting_information

    client.force_login(cast.referring_oncologist)
    page = client.get(detail_url(referral)).content.decode()
    assert "Was radiation given to the chest wall?" in page and "Awaiting information" in page
    form = client.get(action_url(referral, "provide_information")).content.decode()
    assert "Your answer" in form and 'enctype="multipart/form-data"' in form
    without_kind = client.post(
        action_url(referral, "provide_information"),
        {"note": "Yes, 50 Gy.", "file": SimpleUploadedFile("rt.txt", b"50 Gy", "text/plain")},
    )
    assert without_kind.status_code == 400  # a file needs the kind of record it is
    client.post(
        action_url(referral, "provide_information"),
        {
            "note": "Yes, 50 Gy in 25 fractions; summary attached.",
            "record_kind": "treatment_history",
            "record_description": "Radiation summary",
            "file": SimpleUploadedFile("rt.txt", b"50 Gy in 25 fractions", "text/plain"),
        },
    )
    request = InformationRequest.objects.get(referral=referral)
    assert request.answered_by == cast.referring_oncologist
    item = referral.record_items.get(description="Radiation summary")
    assert item.attachments.get().original_name == "rt.txt"
    client.force_login(cast.specialist)
    page = client.get(detail_url(referral)).content.decode()
    assert "Yes, 50 Gy in 25 fractions; summary attached." in page
    assert "Awaiting information" not in page


def test_the_progress_update_form_asks_whether_the_recommendation_is_followed(client):
    referral = referral_in_state(Status.RETURNED)
    client.force_login(referral.referring_oncologist)
    url = reverse("portal:progress-update-new", kwargs={"uuid": referral.uuid})
    base = {"update_date": "2026-11-30", "response": "stable"}
    assert client.post(url, base).status_code == 400
    no_reason = client.post(url, {**base, "recommendation_followed": "not_yet"})
    assert no_reason.status_code == 400
    assert "Say why" in no_reason.content.decode()
    client.post(
        url,
        {
            **base,
            "recommendation_followed": "not_yet",
            "recommendation_followed_reason": "Waiting for the insurer.",
        },
    )
    update = referral.progress_updates.get()
    assert (update.recommendation_followed, update.recommendation_followed_reason) == (
        "not_yet",
        "Waiting for the insurer.",
    )
    page = client.get(detail_url(referral)).content.decode()
    assert "Recommendation followed:</strong> Not yet" in page
