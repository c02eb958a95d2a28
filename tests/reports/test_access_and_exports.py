"""Who may see reports, what the CSV exports hold, and that they are audited."""

import csv
import io

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership
from audit.models import AuditEntry
from tests.factories import UserFactory, member

Role = Membership.Role
SUMMARY_URL = "/api/v1/reports/summary/"


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.SPECIALIST, Role.PATHOLOGIST, Role.REFERRING_ONCOLOGIST], ids=str
)
def test_clinical_roles_get_no_reports(known_data, role):
    user = member(known_data.center_a, role)
    api = APIClient()
    api.force_authenticate(user)

    response = api.get(SUMMARY_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert web_client(user).get("/reports/").status_code == 403
    assert web_client(user).get("/reports/export/summary.csv").status_code == 403


@pytest.mark.django_db
def test_anonymous_callers_are_refused(known_data):
    assert APIClient().get(SUMMARY_URL).status_code in (401, 403)
    response = Client().get("/reports/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_superuser_sees_every_referral(known_data):
    api = APIClient()
    api.force_authenticate(UserFactory(is_superuser=True, is_staff=True))

    assert api.get(SUMMARY_URL).json()["total"] == 9


@pytest.mark.django_db
def test_token_authentication_works_for_scripts(center_a_coordinator):
    from tests.api.conftest import api_token_for

    token = api_token_for(center_a_coordinator)
    response = APIClient().get(SUMMARY_URL, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert response.json()["total"] == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to"),
        ({"center": "not-a-uuid"}, "center"),
        ({"cancer_site": "spleen"}, "cancer_site"),
    ],
)
def test_bad_filters_get_a_clear_400(center_a_coordinator, params, field):
    api = APIClient()
    api.force_authenticate(center_a_coordinator)

    response = api.get(SUMMARY_URL, params)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    page = web_client(center_a_coordinator).get("/reports/", params)
    assert page.status_code == 400
    assert "The filters could not be applied" in page.content.decode()


@pytest.mark.django_db
def test_coordinator_downloads_the_referral_list_behind_a_count(center_a_coordinator, known_data):
    client = web_client(center_a_coordinator)

    response = client.get("/reports/export/referrals.csv", {"figure": "status:under_review"})

    rows = csv_rows(response)
    assert rows[0][:3] == ["reference", "status", "cancer_site"]
    assert [row[0] for row in rows[1:]] == [known_data.referrals["r4"].reference]
    patient = known_data.referrals["r4"].patient
    assert patient.family_name not in response.content.decode()  # references, never names
    entry = AuditEntry.objects.get(action="export", actor=center_a_coordinator)
    assert "status:under_review" in entry.detail


@pytest.mark.django_db
@pytest.mark.parametrize(
    "figure, names",
    [
        ("all", ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]),
        ("reason:complex_diagnosis", ["r1", "r3", "r5"]),
        ("cancer_site:lung", ["r2", "r4"]),
        ("overdue:triage", ["r5"]),
    ],
)
def test_each_count_lists_the_referrals_it_counts(center_a_coordinator, known_data, figure, names):
    response = web_client(center_a_coordinator).get(
        "/reports/export/referrals.csv", {"figure": figure}
    )

    references = {row[0] for row in csv_rows(response)[1:]}
    assert references == {known_data.referrals[name].reference for name in names}


@pytest.mark.django_db
def test_unknown_figure_is_a_400(center_a_coordinator):
    response = web_client(center_a_coordinator).get(
        "/reports/export/referrals.csv", {"figure": "status:lost"}
    )

    assert response.status_code == 400
    assert "Unknown figure" in response.content.decode()


@pytest.mark.django_db
def test_analysts_see_aggregates_only(center_a_analyst):
    client = web_client(center_a_analyst)

    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/export/referrals.csv").status_code == 403
    assert "Download referral list" not in client.get("/reports/").content.decode()


@pytest.mark.django_db
def test_analyst_export_suppresses_small_cells(center_a_analyst, center_a_coordinator):
    analyst_rows = csv_rows(web_client(center_a_analyst).get("/reports/export/summary.csv"))
    coordinator_rows = csv_rows(web_client(center_a_coordinator).get("/reports/export/summary.csv"))

    analyst = {tuple(row[:3]): row[3] for row in analyst_rows[1:]}
    coordinator = {tuple(row[:3]): row[3] for row in coordinator_rows[1:]}
    assert analyst[("referrals", "all", "count")] == "7"
    assert analyst[("cancer_site", "breast", "count")] == "<5"
    assert coordinator[("cancer_site", "breast", "count")] == "4"
    # Zero names nobody: shown.
    assert analyst[("status", "monitoring", "count")] == "0"
    # A median of 3 referrals, and 2 returned of 3, would give the small counts away.
    assert coordinator[("turnaround_days", "submitted_to_recommendation", "median")] == "22.0"
    assert analyst[("turnaround_days", "submitted_to_recommendation", "median")] == ""
    assert coordinator[("return", "returned", "rate")] == "0.6667"
    assert analyst[("return", "returned", "rate")] == ""
    assert AuditEntry.objects.filter(action="export", actor=center_a_analyst).count() == 1
