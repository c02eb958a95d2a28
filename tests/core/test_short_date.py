"""The one date format of the pages: the year only when it is not this one, never split."""

import datetime

from django.template import Context, Template
from django.utils import timezone

NBSP = "\N{NO-BREAK SPACE}"


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_a_date_this_year_has_no_year_and_another_years_has_it():
    today = timezone.localdate()
    this_year = datetime.date(today.year, 3, 7)
    last_year = datetime.date(today.year - 1, 12, 1)

    assert render("{{ day|short_date }}", day=this_year) == f"Mar{NBSP}7"
    assert render("{{ day|short_date }}", day=last_year) == f"Dec{NBSP}1,{NBSP}{today.year - 1}"
    assert render("{{ day|short_date|default:'—' }}", day=None) == "—"


def test_a_moment_is_shown_in_local_time_with_its_time_of_day():
    # 02:30 UTC on March 7 is still March 6 in New York (TIME_ZONE).
    year = timezone.localdate().year
    moment = datetime.datetime(year, 3, 7, 2, 30, tzinfo=datetime.UTC)
    assert render("{{ at|short_date }}", at=moment) == f"Mar{NBSP}6"
    assert render("{{ at|short_datetime }}", at=moment) == f"Mar{NBSP}6,{NBSP}9:30{NBSP}p.m."
    earlier = moment.replace(year=year - 2)
    assert render("{{ at|short_datetime }}", at=earlier).startswith(f"Mar{NBSP}6,{NBSP}{year - 2}")
