"""Everyone the product e-mails about a referral finds the same news in their inbox, and
nobody else does; opening it marks it read and leads to the referral; no PHI in it."""

import datetime

import pytest
from django.utils import timezone

from inbox.models import Notification
from referrals.models import Referral
from referrals.services.clinical import progress_update_create
from referrals.services.workflow import referral_transition
from reminders.delivery import reminder_send
from reminders.manual import referral_remind_now
from reminders.models import OutgoingEmail
from reminders.scan import reminders_scan
from tests.factories import Cast, referral_in_state
from tests.reminders.world import Clinic

Status = Referral.Status
pytestmark = pytest.mark.django_db


def notified(referral) -> dict[str, set[str]]:
    """Title -> e-mail addresses of the people notified."""
    rows = Notification.objects.filter(referral=referral).select_related("recipient")
    result: dict[str, set[str]] = {}
    for row in rows:
        result.setdefault(row.title, set()).add(row.recipient.email)
    return result


def mailed(referral) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for email in OutgoingEmail.objects.filter(subject__startswith=referral.reference):
        result.setdefault(email.subject, set()).add(email.to)
    return result


def test_an_assignment_notifies_the_oncologist_and_the_assigned_specialist_as_mailed():
    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    cast = Cast(referral)

    referral_transition(
        referral=referral,
        actor=cast.center_coordinator,
        action="accept",
        data={"specialist": cast.specialist},
    )

    title = f"{referral.reference}: Accepted"
    assert notified(referral) == {title: {cast.referring_oncologist.email, cast.specialist.email}}
    assert notified(referral) == mailed(referral)


def test_a_progress_update_question_waits_in_the_specialists_inbox_only():
    referral = referral_in_state(Status.RETURNED)
    cast = Cast(referral)

    progress_update_create(
        actor=cast.referring_oncologist,
        referral=referral,
        data={
            "update_date": timezone.localdate(),
            "response": "stable",
            "recommendation_followed": "yes",
            "question": "Zqxcanary question: surgery in 4 or 6 weeks?",
        },
    )

    [notification] = Notification.objects.filter(referral=referral)
    assert notification.recipient == cast.specialist
    assert notification.title == f"{referral.reference}: Progress update posted"
    assert notification.read_at is None
    assert notified(referral) == mailed(referral)


def test_an_issued_recommendation_notifies_the_referring_oncologist():
    referral = referral_in_state(Status.UNDER_REVIEW, ready=True)
    cast = Cast(referral)

    referral_transition(referral=referral, actor=cast.specialist, action="issue_recommendation")

    assert notified(referral) == {
        f"{referral.reference}: Recommendation issued": {cast.referring_oncologist.email}
    }


def test_the_same_event_never_notifies_anyone_twice():
    from referrals.notifications import event_notifications_add

    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    cast = Cast(referral)
    referral_transition(
        referral=referral,
        actor=cast.center_coordinator,
        action="accept",
        data={"specialist": cast.specialist},
    )
    event = referral.events.get(kind="accept")

    event_notifications_add(event)

    assert Notification.objects.filter(referral=referral).count() == 2


def test_remind_now_notifies_whoever_the_referral_waits_on():
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)

    referral_remind_now(referral=referral, actor=cast.center_coordinator)

    [notification] = Notification.objects.filter(referral=referral)
    assert notification.recipient == cast.specialist
    assert notification.title.startswith(f"Reminder: {referral.reference}")


MONDAY = datetime.date(2026, 11, 2)


def scan_and_send(today):
    for reminder_id in reminders_scan(today=today).pending:
        reminder_send(reminder_id=reminder_id, today=today)


def test_a_late_step_and_its_escalation_reach_the_inbox_of_those_reminded():
    clinic = Clinic.create()
    referral = clinic.late_referral(Status.UNDER_REVIEW, due=MONDAY)

    scan_and_send(MONDAY + datetime.timedelta(days=1))  # round 0: the specialist
    scan_and_send(MONDAY + datetime.timedelta(days=3))  # round 1: the specialist again
    scan_and_send(MONDAY + datetime.timedelta(days=7))  # round 2: and the lead coordinator

    rows = Notification.objects.filter(referral=referral).order_by("pk")
    titles = [(row.recipient, row.title) for row in rows]
    specialist_reminders = [title for who, title in titles if who == clinic.specialist]
    assert len(specialist_reminders) == 3
    assert all(t.startswith(f"Reminder: {referral.reference}") for t in specialist_reminders)
    assert [title for who, title in titles if who == clinic.lead_coordinator] == [
        f"Escalation: {referral.reference} — Recommendation overdue since Nov 02, 2026"
    ]
    for row in rows:  # the patient's canary name, MRN and birth date appear nowhere
        for secret in ("Zebulonia", "Quackenbosch", "ZQMRN", "1937"):
            assert secret not in row.title
    # Every reminder e-mail has its notification, to the same person.
    reminder_mail = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.REMINDER)
    assert sorted(mail.subject for mail in reminder_mail) == sorted(t for _, t in titles)


def test_a_digest_reader_is_notified_of_each_late_step_of_the_digest():
    from reminders.delivery import reminder_digest_send

    clinic = Clinic.create()
    clinic.specialist.reminder_delivery = "daily_digest"
    clinic.specialist.save()
    first = clinic.late_referral(Status.UNDER_REVIEW, due=MONDAY)
    second = clinic.late_referral(Status.UNDER_REVIEW, due=MONDAY)
    today = MONDAY + datetime.timedelta(days=1)
    for reminder_id in reminders_scan(today=today).pending:
        reminder_send(reminder_id=reminder_id, today=today)
    assert not Notification.objects.exists()  # left for the digest

    reminder_digest_send(recipient_id=clinic.specialist.pk, today=today)

    assert sorted(
        Notification.objects.filter(recipient=clinic.specialist).values_list(
            "referral__reference", flat=True
        )
    ) == sorted([first.reference, second.reference])


def test_opening_a_notification_marks_it_read_and_leads_to_the_referral(client):
    referral = referral_in_state(Status.RETURNED)
    cast = Cast(referral)
    progress_update_create(
        actor=cast.referring_oncologist,
        referral=referral,
        data={
            "update_date": timezone.localdate(),
            "response": "stable",
            "recommendation_followed": "yes",
            "question": "Why?",
        },
    )
    [notification] = Notification.objects.all()
    client.force_login(cast.specialist)

    page = client.get("/inbox/").content.decode()
    assert f"{referral.reference}: Progress update posted" in page
    assert "1 unread" in page
    assert referral.patient.family_name not in page

    response = client.get(f"/inbox/{notification.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.uuid}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "Nothing unread" in client.get("/inbox/").content.decode()


def test_a_coordinator_opens_a_notification_in_the_admin(client):
    referral = referral_in_state(Status.DRAFT, with_specialist=False)
    cast = Cast(referral)
    referral_transition(referral=referral, actor=cast.referring_oncologist, action="submit")
    notification = Notification.objects.get(recipient=cast.center_coordinator)
    client.force_login(cast.center_coordinator)

    response = client.get(f"/inbox/{notification.pk}/")

    assert response["Location"] == f"/admin/referrals/referral/{referral.uuid}/change/"


def test_someone_elses_notification_is_not_found_and_stays_unread(client):
    referral = referral_in_state(Status.RETURNED)
    cast = Cast(referral)
    progress_update_create(
        actor=cast.referring_oncologist,
        referral=referral,
        data={
            "update_date": timezone.localdate(),
            "response": "stable",
            "recommendation_followed": "yes",
        },
    )
    [notification] = Notification.objects.all()
    client.force_login(cast.other_specialist)

    assert client.get(f"/inbox/{notification.pk}/").status_code == 404
    assert "No notifications yet" in client.get("/inbox/").content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read(client):
    referral = referral_in_state(Status.SUBMITTED, with_specialist=False)
    cast = Cast(referral)
    referral_transition(
        referral=referral,
        actor=cast.center_coordinator,
        action="accept",
        data={"specialist": cast.specialist},
    )
    client.force_login(cast.specialist)

    response = client.post("/inbox/read-all/", follow=True)

    assert "1 notification marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=cast.specialist, read_at=None).exists()
    assert client.get("/inbox/read-all/").status_code == 405
