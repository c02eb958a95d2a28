"""The OpenAPI schema and its browsable docs, served without anything from the internet."""

import re

import pytest

from accounts.models import Membership
from tests.api.conftest import url
from tests.factories import CommunityPracticeFactory, member

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_endpoint_of_the_contract(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert paths >= {
        "/api/v1/auth/token/",
        "/api/v1/patients/",
        "/api/v1/patients/{id}/",
        "/api/v1/referrals/",
        "/api/v1/referrals/{id}/",
        "/api/v1/referrals/{id}/transitions/",
        "/api/v1/referrals/{id}/events/",
        "/api/v1/referrals/{id}/records/",
        "/api/v1/records/{id}/",
        "/api/v1/referrals/{id}/pathology-reviews/",
        "/api/v1/pathology-reviews/{id}/",
        "/api/v1/referrals/{id}/consultation/",
        "/api/v1/referrals/{id}/recommendation/",
        "/api/v1/referrals/{id}/progress-updates/",
        "/api/v1/progress-updates/{id}/reply/",
        "/api/v1/referrals/{id}/fhir/",
        "/api/v1/referrals/{id}/information-requests/",
    }


def test_the_schema_declares_what_the_api_does(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    # Unknown fields are refused (400 "Unknown field."), so request bodies allow no others.
    for name in ("ReferralCreate", "PatchedReferralFields", "Transition", "Patient"):
        assert components[name]["additionalProperties"] is False, name
    # The reports answer 401 without credentials and 403 to a clinician, like the rest.
    reports = schema["paths"]["/api/v1/reports/summary/"]["get"]["responses"]
    assert {"200", "400", "401", "403"} <= set(reports)
    writes = schema["paths"]["/api/v1/referrals/"]["post"]["responses"]
    assert {"400", "401", "403", "413", "415"} <= set(writes)


def test_the_docs_page_loads_its_assets_from_this_server(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_a_browser_session_works_and_its_writes_need_the_csrf_token(client):
    from django.test import Client

    practice = CommunityPracticeFactory()
    coordinator = member(practice, Membership.Role.COORDINATOR)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(coordinator)
    assert browser.get(url("patients/")).status_code == 200
    response = browser.post(url("patients/"), {"mrn": "1"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
