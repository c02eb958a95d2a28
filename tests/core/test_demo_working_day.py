"""The demo looks like a working day: dated relative to today, most steps on time, a handful
late by days (not months), and the loading shows its progress."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from referrals.models import Referral
from referrals.selectors import overdue_condition

pytestmark = pytest.mark.django_db
OPEN_WITH_A_STEP = ["submitted", "accepted", "under_review", "recommendation_issued", "monitoring"]


def test_after_seeding_few_referrals_are_late_and_none_by_months(capsys, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    call_command("seed_demo", referrals=100)
    output = capsys.readouterr().out

    referrals = Referral.objects.all()
    today = timezone.localdate()
    late = referrals.filter(overdue_condition(today))
    assert late.count() / referrals.count() < 0.15
    # A realistic handful, not none: the demo shows what a late step looks like.
    assert late.exists()
    assert not late.filter(next_due__lt=today - datetime.timedelta(days=30)).exists()
    # Most open referrals are on time.
    open_ones = referrals.filter(status__in=OPEN_WITH_A_STEP)
    assert open_ones.exclude(overdue_condition(today)).count() / open_ones.count() > 0.8
    # Nothing happened in the future, and the open work is recent.
    assert not referrals.filter(created_at__gt=timezone.now()).exists()
    assert not referrals.filter(
        status__in=OPEN_WITH_A_STEP, created_at__lt=timezone.now() - datetime.timedelta(days=120)
    ).exists()

    # Progress while it loads, and links that follow the site's address.
    assert "Loading 100 demo referrals" in output
    assert "  50/100 referrals" in output and "  100/100 referrals" in output
    assert "Portal: http://127.0.0.1:8123/" in output
