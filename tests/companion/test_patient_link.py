"""The patient's link: issued by the referring side, shown once, checked with the date of
birth (with a lockout of its own), revoked, expiring 30 days after the referral ends."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEntry
from companion.models import PatientLink
from companion.services import hash_secret, patient_link_issue, patient_link_revoke
from referrals.errors import Conflict, NotPermitted
from referrals.models import Referral
from tests.companion.helpers import BIRTH_DATE, give_link, open_page
from tests.factories import Cast, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_secret_is_stored_and_the_link_opens_after_the_birth_date(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    path = give_link(referral)
    secret = path.strip("/").split("/")[-1]
    link = PatientLink.objects.get(referral=referral)
    assert link.secret_hash == hash_secret(secret)
    assert secret not in str(PatientLink.objects.filter(pk=link.pk).values().get())

    asked = client.get(path)
    assert asked.status_code == 200
    assert "Your date of birth" in asked.content.decode()
    assert "Where your request stands" not in asked.content.decode()

    page = open_page(client, path)
    assert page.status_code == 200
    assert "Where your request stands" in page.content.decode()


def test_who_may_give_the_patient_a_link():
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    for person in (cast.referring_oncologist, cast.referring_coordinator):
        patient_link_issue(actor=person, referral=referral)
    for person in (cast.center_coordinator, cast.specialist, cast.other_oncologist):
        with pytest.raises(NotPermitted):
            patient_link_issue(actor=person, referral=referral)
    closed = referral_in_state(Status.CLOSED)
    with pytest.raises(Conflict):
        patient_link_issue(actor=closed.referring_oncologist, referral=closed)


def test_a_new_link_replaces_the_old_one(client):
    referral = referral_in_state(Status.ACCEPTED)
    first = give_link(referral)
    second = give_link(referral)
    assert client.get(first).status_code == 404
    assert open_page(client, second).status_code == 200


def test_the_email_carries_the_link_and_nothing_about_the_patient(
    django_capture_on_commit_callbacks,
):
    referral = referral_in_state(Status.SUBMITTED)
    patient = referral.patient
    with django_capture_on_commit_callbacks(execute=True):
        issued = patient_link_issue(
            actor=referral.referring_oncologist, referral=referral, email=True
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert issued.url in message.body
    everything = message.subject + message.body
    for private in (patient.given_name, patient.family_name, referral.reference, "breast"):
        assert private not in everything


def test_wrong_birth_dates_lock_the_link_and_are_audited(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    path = give_link(referral)
    for _ in range(4):
        answer = client.post(path, {"date_of_birth": "1961-04-13"})
        assert answer.status_code == 400
        assert "does not match" in answer.content.decode()
    locked = client.post(path, {"date_of_birth": "1961-04-14"})
    assert locked.status_code == 429
    assert "locked for 30 minutes" in locked.content.decode()

    # Even the right date of birth is refused while the link is locked.
    right = client.post(path, {"date_of_birth": BIRTH_DATE})
    assert right.status_code == 429
    assert "Where your request stands" not in client.get(path).content.decode()

    actions = list(
        AuditEntry.objects.filter(referral_id=referral.pk, actor_label="patient")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["login_failed"] * 5 + ["locked_out", "denied"]

    # After the lock has passed, the right date of birth opens the page.
    PatientLink.objects.filter(referral=referral).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert "Where your request stands" in open_page(client, path).content.decode()


def test_a_revoked_link_shows_nothing_even_to_a_patient_already_in(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    path = give_link(referral)
    assert open_page(client, path).status_code == 200
    patient_link_revoke(actor=referral.referring_oncologist, referral=referral)
    gone = client.get(path)
    assert gone.status_code == 404
    body = gone.content.decode()
    assert "This link does not work" in body
    assert referral.patient.given_name not in body
    assert "Where your request stands" not in body


def test_the_link_expires_30_days_after_the_referral_ends(client):
    referral = referral_in_state(Status.RETURNED)
    path = give_link(referral)
    assert open_page(client, path).status_code == 200
    ended = timezone.now() - datetime.timedelta(days=29)
    Referral.objects.filter(pk=referral.pk).update(status=Status.CLOSED, closed_at=ended)
    assert client.get(path).status_code == 200  # day 29: still works
    Referral.objects.filter(pk=referral.pk).update(closed_at=ended - datetime.timedelta(days=2))
    expired = client.get(path)
    assert expired.status_code == 404
    assert "Where your request stands" not in expired.content.decode()


def test_an_unknown_link_shows_nothing(client):
    answer = client.get("/patient/not-a-real-secret/")
    assert answer.status_code == 404
    assert "This link does not work" in answer.content.decode()


def test_every_view_is_audited_with_the_actor_patient(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    path = give_link(referral)
    open_page(client, path)
    client.get(path)
    views = AuditEntry.objects.filter(
        referral_id=referral.pk, actor_label="patient", action="view", actor__isnull=True
    )
    assert views.count() == 2
