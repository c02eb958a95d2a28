"""Who gets into the coordinator workspace, and what can never be deleted there."""

from django.contrib.auth.models import Group

from accounts.models import Membership
from referrals.admin.access import COORDINATOR_GROUP
from referrals.models import Patient, Referral
from tests.admin.helpers import change_url, changelist_url
from tests.factories import CommunityPracticeFactory, PatientFactory, UserFactory


def test_a_coordinator_membership_makes_a_staff_user_with_the_group_not_a_superuser(db):
    person = UserFactory()
    practice = CommunityPracticeFactory()

    membership = Membership.objects.create(user=person, organization=practice, role="coordinator")
    person.refresh_from_db()

    assert person.is_staff and not person.is_superuser
    assert person.groups.filter(name=COORDINATOR_GROUP).exists()
    assert person.has_perm("referrals.change_referral")
    assert person.has_perm("referrals.change_recorditem")
    assert not person.has_perm("referrals.delete_referral")
    assert not person.has_perm("referrals.delete_patient")

    membership.delete()
    person = type(person).objects.get(pk=person.pk)
    assert not person.groups.filter(name=COORDINATOR_GROUP).exists()
    assert not person.has_perm("referrals.change_referral")


def test_the_group_never_allows_deleting_clinical_data(db):
    codenames = set(
        Group.objects.get(name=COORDINATOR_GROUP).permissions.values_list("codename", flat=True)
    )
    assert "view_referral" in codenames
    assert not {name for name in codenames if name.startswith("delete_")} - {"delete_intakerule"}


def test_other_roles_do_not_get_into_the_admin(client, setting):
    client.force_login(setting.specialist)

    response = client.get(changelist_url(Referral))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_referrals_cannot_be_deleted_from_the_admin(coordinator_client, setting):
    referral = setting.referral()

    page = coordinator_client.get(change_url(referral)).content.decode()
    delete = coordinator_client.post(f"{change_url(referral)[: -len('change/')]}delete/")

    assert "deletelink" not in page
    assert delete.status_code == 403
    assert Referral.objects.filter(pk=referral.pk).exists()


def test_a_patient_with_referrals_cannot_be_deleted_even_by_an_administrator(admin_client, setting):
    patient = PatientFactory(organization=setting.practice)
    setting.referral(patient=patient)
    lone_patient = PatientFactory(organization=setting.practice)

    page = admin_client.get(change_url(patient)).content.decode()
    delete = admin_client.post(f"{change_url(patient)[: -len('change/')]}delete/", {"post": "yes"})

    assert "has referrals and cannot be deleted" in page
    assert "deletelink" not in page
    assert delete.status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert "deletelink" in admin_client.get(change_url(lone_patient)).content.decode()


def test_admin_urls_use_uuids_not_sequential_ids(coordinator_client, setting):
    referral = setting.referral()

    page = coordinator_client.get(changelist_url(Referral)).content.decode()

    assert change_url(referral) in page
    by_pk = f"{changelist_url(Referral)}{referral.pk}/change/"
    assert coordinator_client.get(by_pk).status_code == 404
