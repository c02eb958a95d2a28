"""Every failure answers {"detail", "code", "fields"} with the right status, never a 500."""

import pytest
from rest_framework.throttling import AnonRateThrottle

from accounts.models import Membership
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import Cast, PatientFactory, referral_in_state

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "code", "fields"}
    assert body["code"] == code
    return body


def ask_for_token(client, password: str = "not the password"):
    return client.post(
        url("auth/token/"),
        {"email": "x@example.org", "password": password},
        content_type="application/json",
    )


def test_missing_and_invalid_fields_are_named(api):
    referral = referral_in_state(Status.DRAFT)
    client = api(referral.referring_oncologist)
    body = error(
        client.post(
            url("referrals/"),
            {
                "patient": str(referral.patient.uuid),
                "cancer_site": "spleen",
                "reasons": ["boredom"],
                "record_items": [{"kind": "x-ray"}],
            },
            format="json",
        ),
        400,
        "invalid",
    )
    assert set(body["fields"]) >= {
        "cancer_site",
        "reasons.0",
        "record_items.0.kind",
        "receiving_center",
        "diagnosis",
    }


def test_an_unknown_field_is_refused_rather_than_ignored(api):
    referral = referral_in_state(Status.DRAFT)
    body = error(
        api(referral.referring_oncologist).patch(
            url(f"referrals/{referral.uuid}/"), {"status": "closed"}, format="json"
        ),
        400,
        "invalid",
    )
    assert body["fields"] == {"status": ["Unknown field."]}


def test_a_field_not_editable_in_this_state_is_refused_with_its_reason(api):
    referral = referral_in_state(Status.ACCEPTED)
    body = error(
        api(Cast(referral).center_coordinator).patch(
            url(f"referrals/{referral.uuid}/"), {"diagnosis": "Changed"}, format="json"
        ),
        400,
        "invalid",
    )
    assert "accepted" in body["fields"]["diagnosis"][0]


def test_a_second_open_referral_to_the_same_center_points_to_the_first(api):
    first = referral_in_state(Status.SUBMITTED)
    body = error(
        api(first.referring_oncologist).post(
            url("referrals/"),
            {
                "patient": str(first.patient.uuid),
                "receiving_center": str(first.receiving_center.uuid),
                "cancer_site": "breast",
                "diagnosis": "Same again",
            },
            format="json",
        ),
        400,
        "invalid",
    )
    assert body["existing_referral"] == str(first.uuid)
    assert first.reference in body["fields"]["patient"][0]


def test_a_duplicate_names_the_first_referral_only_to_whom_may_see_it(api):
    from tests.factories import member

    first = referral_in_state(Status.SUBMITTED)
    colleague = member(first.referring_organization, Role.REFERRING_ONCOLOGIST)
    response = api(colleague).post(
        url("referrals/"),
        {
            "patient": str(first.patient.uuid),
            "receiving_center": str(first.receiving_center.uuid),
            "cancer_site": "breast",
            "diagnosis": "Same again",
        },
        format="json",
    )
    body = error(response, 400, "invalid")
    # Another oncologist's referral: it exists, but which one is not theirs to see.
    assert body["fields"] == {
        "patient": ["This patient already has an open referral to this center."]
    }
    assert "existing_referral" not in body
    assert first.reference not in response.content.decode()
    assert str(first.uuid) not in response.content.decode()
    assert Referral.objects.filter(patient=first.patient).count() == 1


def test_workflow_errors_map_to_403_and_409(api):
    referral = referral_in_state(Status.SUBMITTED)
    cast = Cast(referral)
    path = url(f"referrals/{referral.uuid}/transitions/")
    error(
        api(cast.referring_oncologist).post(path, {"action": "accept"}, format="json"),
        403,
        "permission_denied",
    )
    error(
        api(cast.center_coordinator).post(path, {"action": "close"}, format="json"), 409, "conflict"
    )
    body = error(
        api(cast.center_coordinator).post(path, {"action": "fly"}, format="json"), 400, "invalid"
    )
    assert "action" in body["fields"]


def test_a_concurrent_transition_loses_with_a_conflict(api):
    referral = referral_in_state(Status.SUBMITTED)
    cast = Cast(referral)
    client = api(cast.center_coordinator)
    path = url(f"referrals/{referral.uuid}/transitions/")
    assert (
        client.post(
            path, {"action": "decline", "reason_code": "no_capacity"}, format="json"
        ).status_code
        == 200
    )
    error(
        client.post(
            path, {"action": "accept", "specialist": str(cast.specialist.uuid)}, format="json"
        ),
        409,
        "conflict",
    )


def test_authentication_errors(api, client):
    referral = referral_in_state(Status.DRAFT)
    response = api(None).get(url(f"referrals/{referral.uuid}/"))
    error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    bad = api(None)
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    error(bad.get(url("referrals/")), 401, "authentication_failed")
    error(ask_for_token(client), 400, "invalid")


def test_not_found_method_media_type_and_parse_errors(api):
    referral = referral_in_state(Status.DRAFT)
    client = api(referral.referring_oncologist)
    error(client.get(url("referrals/not-a-uuid/")), 404, "not_found")
    error(client.get(url("referrals/00000000-0000-0000-0000-000000000000/")), 404, "not_found")
    error(client.delete(url(f"referrals/{referral.uuid}/")), 405, "method_not_allowed")
    error(
        client.patch(url(f"referrals/{referral.uuid}/"), "stage=IIB", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    error(
        client.patch(
            url(f"referrals/{referral.uuid}/"), "{not json", content_type="application/json"
        ),
        400,
        "parse_error",
    )
    body = error(client.get(url("referrals/"), {"cursor": "garbage"}), 400, "invalid")
    assert "cursor" in body["fields"]
    body = error(client.get(url("referrals/"), {"status": "lost"}), 400, "invalid")
    assert "status" in body["fields"]


def test_anonymous_clients_are_throttled(client, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    for _ in range(2):
        assert ask_for_token(client).status_code == 400
    response = ask_for_token(client)
    body = error(response, 429, "throttled")
    assert "Retry-After" in response.headers
    assert body["fields"] == {}


def test_patients_are_created_in_the_callers_practice(api):
    patient = PatientFactory()
    coordinator_practice = patient.organization
    from tests.factories import member

    coordinator = member(coordinator_practice, Role.COORDINATOR)
    response = api(coordinator).post(
        url("patients/"),
        {"mrn": patient.mrn, "given_name": "A", "family_name": "B", "date_of_birth": "1970-01-01"},
        format="json",
    )
    body = error(response, 400, "invalid")
    assert "mrn" in str(body["fields"]) or "non_field_errors" in body["fields"]
