"""Reference data loaded on migrate, and the demo data set."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization
from referrals.models import Recommendation, Referral
from referrals.services.intake import centers_accepting

pytestmark = pytest.mark.django_db


def test_the_nci_designated_centers_are_loaded_on_migrate(capsys):
    centers = Organization.objects.filter(kind="cancer_center").exclude(nci_designation="")
    assert centers.count() == 73
    assert centers.filter(nci_designation="comprehensive").count() == 58
    assert centers.filter(nci_designation="clinical").count() == 8
    assert centers.filter(nci_designation="basic").count() == 7
    assert not centers.filter(designation_as_of__isnull=True).exists()

    call_command("nci_centers")
    assert "NCI-designated cancer centers loaded: 73" in capsys.readouterr().out


def test_basic_laboratory_centers_are_never_offered_as_destinations():
    offered = centers_accepting(cancer_site="breast")
    assert offered.count() == 66
    assert not offered.filter(nci_designation="basic").exists()


def test_the_demo_data_covers_every_state_consistently_and_loads_once(capsys):
    call_command("seed_demo", referrals=30)
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(Referral.Status.values)
    for referral in Referral.objects.filter(recommendation_issued_at__isnull=False):
        assert referral.recommendations.filter(
            signed_at__isnull=False, superseded_at__isnull=True
        ).exists()
    assert not Referral.objects.filter(status="monitoring", next_update_due__isnull=True).exists()
    count = Referral.objects.count()
    assert "admin@demo.example" in capsys.readouterr().out

    call_command("seed_demo", referrals=30)
    assert Referral.objects.count() == count
    assert Recommendation.objects.filter(referral__status="draft").count() == 0


def test_the_demo_refuses_a_nonsense_size():
    with pytest.raises(CommandError):
        call_command("seed_demo", referrals=3)
