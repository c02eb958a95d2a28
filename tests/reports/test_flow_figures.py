"""The figures of where referrals stall, from known data: why they were declined and
cancelled, how often they were forwarded, how often patients missed the consult, and how
often slides and blocks went back late (DESIGN §6)."""

import csv
import datetime
import html
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from referrals.models import Consultation, ConsultationAppointment, Referral
from reports.access import report_viewer
from reports.filters import ReportFilters
from reports.flow import _counts_with_the_orm, flow_counts
from reports.selectors import report_referrals
from tests.factories import ReferralFactory, member

pytestmark = pytest.mark.django_db
Status = Referral.Status
URL = "/api/v1/reports/summary/"


def days(number: int) -> datetime.timedelta:
    return datetime.timedelta(days=number)


def summary(user) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(URL)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_center_sees_its_reasons_forward_rate_no_shows_and_late_slides(known):
    center, _other = known
    figures = summary(member(center, Membership.Role.COORDINATOR))

    assert figures["total"] == 9
    declined = {row["reason_code"]: row["count"] for row in figures["decline_reasons"]}
    assert declined == {
        "outside_expertise": 0, "site_not_accepted": 0, "insufficient_information": 0,
        "no_capacity": 2, "patient_ineligible": 0, "duplicate": 0, "other": 1,
    }  # fmt: skip
    cancelled = {row["reason_code"]: row["count"] for row in figures["cancel_reasons"]}
    assert cancelled == {
        "patient_withdrew": 1, "patient_deceased": 0, "treated_elsewhere": 0, "duplicate": 0,
        "entered_in_error": 0, "other": 0,
    }  # fmt: skip
    assert figures["forwarding"] == {"referrals": 9, "forwarded": 1, "rate": 0.1111}
    # Attended 2; missed: 1 now and 1 earlier (a reschedule is not a miss).
    assert figures["no_show"] == {"appointments": 4, "no_shows": 2, "rate": 0.5}
    assert figures["slide_return"] == {
        "items": 4, "returned_late": 1, "still_out_late": 1, "late_share": 0.5,
    }  # fmt: skip


def test_everything_counts_for_a_superuser_and_the_embedded_database_counts_the_same(known):
    from accounts.models import User

    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    figures = summary(admin)
    declined = {row["reason_code"]: row["count"] for row in figures["decline_reasons"]}
    assert declined["outside_expertise"] == 1 and declined["no_capacity"] == 2
    assert figures["forwarding"]["referrals"] == 10

    center, _other = known
    viewer = report_viewer(user=member(center, Membership.Role.COORDINATOR))
    referrals = report_referrals(viewer=viewer, filters=ReportFilters())
    in_sql = flow_counts(referrals, every_referral=False)
    assert in_sql == _counts_with_the_orm(referrals, today=timezone.localdate())


def test_an_analyst_gets_no_small_count(known):
    center, _other = known
    figures = summary(member(center, Membership.Role.ANALYST))
    assert figures["no_show"] == {"appointments": "<5", "no_shows": "<5", "rate": None}
    assert figures["forwarding"]["rate"] is None
    assert figures["slide_return"]["late_share"] is None


# The dashboard page and the summary CSV show these figures, as the JSON does (and no more).
ROW = re.compile(
    r'<tr data-figure="([^"]+)">\s*<th scope="row">([^<]*)</th>\s*<td class="count">([^<]*)</td>'
)


def page_of(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/reports/")
    assert response.status_code == 200
    return response.content.decode()


def table_rows(page: str, *prefixes: str) -> dict[str, tuple[str, str]]:
    """{figure: (label, count)} of the count tables' rows whose figure starts with a prefix."""
    return {
        figure: (html.unescape(label), html.unescape(count))
        for figure, label, count in ROW.findall(page)
        if figure.startswith(prefixes)
    }


def headline(page: str, figure: str) -> tuple[str, str]:
    """(label, data-share) of a headline share."""
    match = re.search(rf'<dt>([^<]*)</dt><dd data-figure="{figure}" data-share="([^"]*)">', page)
    assert match, figure
    return match.group(1), match.group(2)


def csv_figures(user) -> dict[tuple[str, str, str], str]:
    client = Client()
    client.force_login(user)
    rows = list(csv.reader(io.StringIO(client.get("/reports/export/summary.csv").content.decode())))
    return {tuple(row[:3]): row[3] for row in rows[1:]}


def test_the_dashboard_shows_reasons_forward_rate_no_shows_and_late_slides(known):
    center, _other = known
    page = page_of(member(center, Membership.Role.COORDINATOR))

    assert headline(page, "forward-rate") == ("Forward rate", "0.1111")
    assert headline(page, "no-show-rate") == ("No-show rate", "0.5")
    assert headline(page, "slides-late-share") == ("Slides and blocks returned late", "0.5")
    assert table_rows(page, "decline_reason:") == {
        "decline_reason:outside_expertise": ("Outside the center's expertise", "0"),
        "decline_reason:site_not_accepted": ("Cancer site not accepted", "0"),
        "decline_reason:insufficient_information": ("Insufficient information", "0"),
        "decline_reason:no_capacity": ("No capacity", "2"),
        "decline_reason:patient_ineligible": ("Patient ineligible", "0"),
        "decline_reason:duplicate": ("Duplicate referral", "0"),
        "decline_reason:other": ("Other", "1"),
    }
    assert table_rows(page, "cancel_reason:") == {
        "cancel_reason:patient_withdrew": ("Patient withdrew", "1"),
        "cancel_reason:patient_deceased": ("Patient deceased", "0"),
        "cancel_reason:treated_elsewhere": ("Treated elsewhere", "0"),
        "cancel_reason:duplicate": ("Duplicate referral", "0"),
        "cancel_reason:entered_in_error": ("Entered in error", "0"),
        "cancel_reason:other": ("Other", "0"),
    }
    assert table_rows(page, "no_show:", "slide_return:") == {
        "no_show:appointments": ("Consult appointments held or missed", "4"),
        "no_show:no_shows": ("Missed (no-show)", "2"),
        "slide_return:items": ("Slides and blocks with a return date", "4"),
        "slide_return:returned_late": ("Returned after the date", "1"),
        "slide_return:still_out_late": ("Still at the center past the date", "1"),
    }
    assert "<caption>Declined, by reason</caption>" in page
    assert "<caption>Consults and slides</caption>" in page


def test_a_reason_lists_its_referrals_and_appointments_list_none(known):
    center, _other = known
    coordinator = member(center, Membership.Role.COORDINATOR)
    page = page_of(coordinator)
    assert 'figure=decline_reason%3Ano_capacity" aria-label="Referral list: No capacity"' in page
    assert 'aria-label="Referral list: Patient withdrew"' in page
    assert "figure=no_show" not in page and "figure=slide_return" not in page  # not referrals

    client = Client()
    client.force_login(coordinator)
    for figure, status, count in [
        ("decline_reason:no_capacity", "declined", 2),
        ("cancel_reason:patient_withdrew", "cancelled", 1),
    ]:
        response = client.get("/reports/export/referrals.csv", {"figure": figure})
        rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
        assert len(rows) == count, figure
        assert {row[1] for row in rows} == {status}
    bad = client.get("/reports/export/referrals.csv", {"figure": "decline_reason:bored"})
    assert bad.status_code == 400


def test_the_summary_csv_has_the_figures(known):
    center, _other = known
    figures = csv_figures(member(center, Membership.Role.COORDINATOR))

    expected = {
        ("referrals", "all", "count"): "9",
        ("decline_reason", "no_capacity", "count"): "2",
        ("decline_reason", "other", "count"): "1",
        ("decline_reason", "outside_expertise", "count"): "0",
        ("cancel_reason", "patient_withdrew", "count"): "1",
        ("cancel_reason", "duplicate", "count"): "0",  # the cancelled draft is no referral yet
        ("forwarding", "forwarded", "count"): "1",
        ("forwarding", "forwarded", "rate"): "0.1111",
        ("no_show", "appointments", "count"): "4",
        ("no_show", "no_shows", "count"): "2",
        ("no_show", "no_shows", "rate"): "0.5",
        ("slide_return", "items", "count"): "4",
        ("slide_return", "returned_late", "count"): "1",
        ("slide_return", "still_out_late", "count"): "1",
        ("slide_return", "late", "share"): "0.5",
    }
    assert {key: figures.get(key) for key in expected} == expected
    assert len([key for key in figures if key[0] == "decline_reason"]) == 7
    assert len([key for key in figures if key[0] == "cancel_reason"]) == 6


def test_an_analyst_s_page_and_csv_suppress_them_as_the_json_does(known):
    center, _other = known
    analyst = member(center, Membership.Role.ANALYST)
    page = page_of(analyst)

    for figure in ("forward-rate", "no-show-rate", "slides-late-share"):
        assert headline(page, figure)[1] == "", figure  # shown as "–"
    rows = table_rows(page, "decline_reason:", "cancel_reason:", "no_show:", "slide_return:")
    assert rows["decline_reason:no_capacity"] == ("No capacity", "<5")
    assert rows["decline_reason:other"] == ("Other", "<5")
    assert rows["decline_reason:outside_expertise"][1] == "0"  # zero names nobody
    assert rows["cancel_reason:patient_withdrew"][1] == "<5"
    consults_and_slides = {
        figure: count
        for figure, (_, count) in rows.items()
        if figure.startswith(("no_show:", "slide_return:"))
    }
    assert consults_and_slides == {
        "no_show:appointments": "<5", "no_show:no_shows": "<5", "slide_return:items": "<5",
        "slide_return:returned_late": "<5", "slide_return:still_out_late": "<5",
    }  # fmt: skip
    assert not {"1", "2", "3", "4"} & {count for _, count in rows.values()}

    figures = csv_figures(analyst)
    assert figures[("decline_reason", "no_capacity", "count")] == "<5"
    assert figures[("decline_reason", "outside_expertise", "count")] == "0"
    assert figures[("cancel_reason", "patient_withdrew", "count")] == "<5"
    assert figures[("forwarding", "forwarded", "count")] == "<5"
    assert figures[("forwarding", "forwarded", "rate")] == ""
    assert figures[("no_show", "no_shows", "rate")] == ""
    assert figures[("slide_return", "late", "share")] == ""
    assert figures[("slide_return", "items", "count")] == "<5"


def test_an_analyst_sees_what_names_nobody(known):
    """Five or more: the analyst sees the count and the rate, as the JSON gives them."""
    center, _other = known
    for _ in range(5):
        ReferralFactory(
            status=Status.DECLINED, receiving_center=center, decline_reason_code="no_capacity"
        )
    kept = Consultation.objects.get(referral__receiving_center=center, attendance="attended",
                                    referral__status=Status.RECOMMENDATION_ISSUED)  # fmt: skip
    for _ in range(5):
        ConsultationAppointment.objects.create(
            consultation=kept, modality="in_person", scheduled_for=timezone.now() - days(20),
            attendance="no_show",
        )  # fmt: skip
    analyst = member(center, Membership.Role.ANALYST)

    json_figures = summary(analyst)
    # 7 no-shows (1 now, 6 earlier) of 9 appointments attended or missed.
    assert json_figures["no_show"] == {"appointments": 9, "no_shows": 7, "rate": 0.7778}
    page = page_of(analyst)
    assert headline(page, "no-show-rate")[1] == "0.7778"
    assert headline(page, "forward-rate")[1] == ""  # 1 forwarded of 14: still suppressed
    rows = table_rows(page, "decline_reason:", "no_show:")
    assert rows["decline_reason:no_capacity"][1] == "7"
    assert rows["no_show:appointments"][1] == "9" and rows["no_show:no_shows"][1] == "7"
    figures = csv_figures(analyst)
    assert figures[("decline_reason", "no_capacity", "count")] == "7"
    assert figures[("no_show", "no_shows", "rate")] == "0.7778"
    assert figures[("forwarding", "forwarded", "rate")] == ""
