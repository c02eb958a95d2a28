"""Input found by an outside test to crash the product: each now answers a 4xx in the error
shape of DESIGN §4 (`{"detail", "code", "fields"}`), and an unexpected failure is JSON too."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from referrals.api.views import referrals as referral_views
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import (
    Cast,
    PathologyReviewFactory,
    ProgressUpdateFactory,
    UserFactory,
    referral_in_state,
)

Status = Referral.Status
pytestmark = pytest.mark.django_db
TAMPERED_CURSOR = "cD1ub3RhZGF0ZQ=="  # base64 of "p=notadate"


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == code
    return body


@pytest.fixture
def coordinator():
    referral = referral_in_state(Status.UNDER_REVIEW)
    return Cast(referral).referring_coordinator, referral


@pytest.mark.parametrize("path", ["referrals/", "patients/"])
def test_a_tampered_cursor_is_a_400_naming_the_cursor(api, coordinator, path):
    user, _referral = coordinator
    body = error(api(user).get(url(path), {"cursor": TAMPERED_CURSOR}), 400, "invalid")
    assert list(body["fields"]) == ["cursor"]


@pytest.mark.parametrize("page_size", ["0", "abc", "101"])
def test_a_page_size_out_of_bounds_is_a_400(api, coordinator, page_size):
    user, _referral = coordinator
    body = error(api(user).get(url("referrals/"), {"page_size": page_size}), 400, "invalid")
    assert list(body["fields"]) == ["page_size"]


def test_a_deeply_nested_body_of_100_kb_is_a_400(api, coordinator):
    user, referral = coordinator
    body = "[" * 51_200 + "]" * 51_200
    response = api(user).patch(
        url(f"referrals/{referral.uuid}/"), body, content_type="application/json"
    )
    error(response, 400, "parse_error")
    referral.refresh_from_db()
    assert referral.diagnosis  # nothing changed


def test_a_body_nested_beyond_the_bound_is_a_400(api, coordinator):
    user, referral = coordinator
    nested = {"stage": "IIB"}
    for _ in range(20):
        nested = {"x": nested}
    response = api(user).patch(url(f"referrals/{referral.uuid}/"), nested, format="json")
    assert "nested" in error(response, 400, "parse_error")["detail"]


def test_a_body_larger_than_the_bound_is_a_413(api, coordinator, settings):
    settings.INPUT_LIMITS = {**settings.INPUT_LIMITS, "body_bytes": 1000}
    user, referral = coordinator
    response = api(user).patch(
        url(f"referrals/{referral.uuid}/"), {"stage": "x" * 2000}, format="json"
    )
    error(response, 413, "request_too_large")


def test_a_nul_character_in_a_body_is_a_400(api, coordinator):
    user, referral = coordinator
    response = api(user).patch(
        url(f"referrals/{referral.uuid}/"), {"stage": "II\x00"}, format="json"
    )
    error(response, 400, "parse_error")


def test_a_nul_character_in_a_search_is_a_400(api, coordinator):
    user, _referral = coordinator
    body = error(api(user).get(url("referrals/"), {"search": "\x00"}), 400, "invalid")
    assert list(body["fields"]) == ["search"]


def test_an_unexpected_failure_is_json_and_its_log_names_no_patient(
    api, coordinator, monkeypatch, caplog
):
    user, referral = coordinator

    def broken(*args, **kwargs):
        raise RuntimeError(f"cannot render {referral.patient.family_name} born 1961-04-12")

    monkeypatch.setattr(referral_views, "_detail", broken)
    client = api(user)
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = client.get(url(f"referrals/{referral.uuid}/"))

    body = error(response, 500, "server_error")
    assert referral.patient.family_name not in body["detail"]
    assert "RuntimeError" in caplog.text
    assert referral.patient.family_name not in caplog.text
    assert "1961" not in caplog.text


def test_a_failure_outside_the_api_views_is_json_under_api(client, settings):
    from referrals.api.exceptions import server_error

    request = client.get("/").wsgi_request
    request.path = "/api/v1/referrals/"
    response = server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "path", ["/reports/", "/reports/export/summary.csv", "/reports/export/referrals.csv"]
)
def test_a_report_period_ending_in_9999_is_a_400_on_the_pages(coordinator, path):
    web = Client()
    web.force_login(coordinator[0])
    response = web.get(path, {"to": "9999-12-31"})
    assert response.status_code == 400
    assert "to" in response.content.decode()


def test_a_report_period_ending_in_9999_is_a_400_in_the_api(api, coordinator):
    client = api(coordinator[0])
    body = error(client.get(url("reports/summary/"), {"to": "9999-12-31"}), 400, "invalid")
    assert list(body["fields"]) == ["to"]


def test_a_report_period_longer_than_ten_years_is_a_400(api, coordinator):
    client = api(coordinator[0])
    query = {"from": "2010-01-01", "to": "2025-12-31"}
    body = error(client.get(url("reports/summary/"), query), 400, "invalid")
    assert body["fields"] == {"from": ["A report covers at most 10 years."]}
    assert client.get(url("reports/summary/"), {"from": "2019-06-01"}).status_code == 200


def test_reports_without_credentials_are_a_401_not_a_403(api):
    response = api(None).get(url("reports/summary/"))
    error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_who_sees_no_reports_gets_a_403_in_the_error_shape(api, coordinator):
    referral = coordinator[1]
    error(api(referral.referring_oncologist).get(url("reports/summary/")), 403, "permission_denied")


@pytest.mark.parametrize("who", ["superuser", "center coordinator"])
def test_the_admin_pages_of_a_referrals_parts_open(client, who):
    referral = referral_in_state(Status.MONITORING)
    parts = [
        referral.recommendations.get(),
        ProgressUpdateFactory(referral=referral),
        PathologyReviewFactory(referral=referral),
    ]
    if who == "superuser":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = Cast(referral).center_coordinator
    client.force_login(user)
    for part in parts:
        opts = part._meta
        page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(part.uuid,))
        response = client.get(page)
        assert response.status_code == 200, (opts.model_name, response.status_code)
        assert str(referral) in response.content.decode()


def test_the_admin_autocomplete_refuses_a_nul_character(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    query = {
        "term": "\x00",
        "app_label": "referrals",
        "model_name": "referral",
        "field_name": "patient",
    }
    body = error(client.get("/admin/autocomplete/", query), 400, "invalid")
    assert list(body["fields"]) == ["term"]
    query["term"] = "Smith"
    assert client.get("/admin/autocomplete/", query).status_code == 200
