"""The dashboard in a real headless Chromium: headline numbers, charts drawn, filters applied."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# True when the canvas holds a Chart.js chart and at least one non-transparent pixel.
CHART_DRAWN = """(id) => {
    const canvas = document.getElementById(id);
    if (!canvas || !window.reportCharts || !window.reportCharts[id]) return false;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
    return false;
}"""
CHARTS = ["chart-turnaround", "chart-stages", "chart-weekly", "chart-concordance"]


def log_in_as(page, live_server, user):
    """Hand the browser a session cookie for `user` (the log-in page belongs to the portal)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').first.inner_text().strip()


def test_coordinator_reads_the_dashboard_and_narrows_it(
    page, live_server, screenshot, center_a_coordinator
):
    log_in_as(page, live_server, center_a_coordinator)

    page.goto("/reports/")

    assert figure(page, "total") == "7"
    assert figure(page, "median-days") == "22.0"
    assert figure(page, "p90-days") == "33.2"
    assert figure(page, "overdue") == "2"
    assert figure(page, "return-rate") == "66.7%"
    assert figure(page, "concurs-share") == "33.3%"
    for chart in CHARTS:
        assert page.evaluate(CHART_DRAWN, chart), f"{chart} was not drawn"
    assert page.locator('tr[data-figure="status:under_review"] td.count').inner_text() == "1"
    screenshot(page, "reports-dashboard")

    page.get_by_label("Cancer site").select_option("lung")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/reports/?**cancer_site=lung**")

    assert figure(page, "total") == "2"
    assert figure(page, "concurs-share") == "0.0%"
    assert figure(page, "overdue") == "1"
    for chart in CHARTS:
        assert page.evaluate(CHART_DRAWN, chart), f"{chart} was not drawn after filtering"
    screenshot(page, "reports-dashboard-lung")
