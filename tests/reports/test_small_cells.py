"""An analyst never receives a count from 1 to 4: not on the dashboard page, in its JSON or in
its CSV (the referral-list CSV is refused to analysts). Coordinators see the exact figures.

Center A's known data (tests/reports/conftest.py): 7 submitted referrals, one in each of the
states closed, returned, recommendation issued, under review, submitted, accepted and declined;
4 for the breast, 2 for the lung, 1 colorectal; 2 overdue steps now.
"""

import csv
import io
import json
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

SMALL = {"1", "2", "3", "4"}
CENTER_A_BY_STATUS = {
    "submitted": 1,
    "accepted": 1,
    "declined": 1,
    "under_review": 1,
    "recommendation_issued": 1,
    "returned": 1,
    "monitoring": 0,
    "closed": 1,
    "cancelled": 0,
    "forwarded": 0,
}


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_summary(user) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/reports/summary/")
    assert response.status_code == 200
    return response.json()


def small_ints(value) -> list:
    """Every integer from 1 to 4 anywhere in a JSON value."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in small_ints(item)]
    if isinstance(value, list):
        return [found for item in value for found in small_ints(item)]
    is_small = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4
    return [value] if is_small else []


def page_counts(html: str) -> list[str]:
    cells = re.findall(r'<td class="count">([^<]*)</td>', html)
    headline = re.findall(r'<dd data-figure="(?:total|overdue)">([^<]*)</dd>', html)
    return cells + headline


def page_summary(html: str) -> dict:
    match = re.search(r'<script id="report-summary" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def csv_counts(response) -> dict[tuple, str]:
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    return {tuple(row[:2]): row[3] for row in rows if row[2] == "count"}


@pytest.mark.django_db
def test_the_analyst_sees_no_count_from_one_to_four_anywhere(center_a_analyst):
    client = web(center_a_analyst)

    page = client.get("/reports/").content.decode()
    counts = page_counts(page)
    assert counts and not SMALL & set(counts)
    assert "&lt;5" in counts
    assert small_ints(page_summary(page)) == []

    summary = api_summary(center_a_analyst)
    assert small_ints(summary) == []
    assert summary["total"] == 7
    assert {row["status"]: row["count"] for row in summary["by_status"]} == {
        status: "<5" if count else 0 for status, count in CENTER_A_BY_STATUS.items()
    }
    # Figures that would reveal a small count: 2 returned of 3 issued, a median of 3.
    assert summary["return"]["rate"] is None
    assert summary["turnaround_days"]["stages"][0]["median"] is None

    exported = csv_counts(client.get("/reports/export/summary.csv"))
    assert exported and not SMALL & set(exported.values())
    assert exported[("cancer_site", "breast")] == "<5"
    assert client.get("/reports/export/referrals.csv").status_code == 403


@pytest.mark.django_db
def test_the_coordinator_sees_the_exact_figures(center_a_coordinator):
    client = web(center_a_coordinator)

    page = client.get("/reports/").content.decode()
    assert {"1", "2", "4", "7"} <= set(page_counts(page))

    summary = api_summary(center_a_coordinator)
    assert summary["total"] == 7
    assert {row["status"]: row["count"] for row in summary["by_status"]} == CENTER_A_BY_STATUS
    assert {row["cancer_site"]: row["count"] for row in summary["by_cancer_site"]} == {
        "breast": 4,
        "lung": 2,
        "colorectal": 1,
    }
    assert summary["return"]["rate"] == 0.6667

    exported = csv_counts(client.get("/reports/export/summary.csv"))
    assert exported[("cancer_site", "breast")] == "4"
    assert exported[("cancer_site", "lung")] == "2"
    referral_list = client.get("/reports/export/referrals.csv", {"figure": "cancer_site:breast"})
    assert len(referral_list.content.decode().strip().splitlines()) == 1 + 4
