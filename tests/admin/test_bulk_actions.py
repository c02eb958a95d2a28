"""Bulk actions on the change list: records received, remind now, export to CSV."""

import csv
import io

from django.core import mail

from accounts.models import Membership
from audit.models import AuditEntry
from referrals.models import RecordItem, Referral, ReferralEvent
from tests.admin.helpers import changelist_url
from tests.factories import PatientFactory, member

Role = Membership.Role

Status = Referral.Status


def run_action(client, action: str, referrals, **extra):
    data = {"action": action, "_selected_action": [r.pk for r in referrals], **extra}
    return client.post(changelist_url(Referral), data, follow=True)


def test_mark_records_received_for_several_referrals(coordinator_client, setting):
    first = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=2)
    second = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)
    untouched = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)

    response = run_action(coordinator_client, "mark_records_received", [first, second])

    assert "Marked 3 record items received." in response.content.decode()
    received = RecordItem.objects.filter(status="received")
    assert {item.referral_id for item in received} == {first.pk, second.pk}
    assert untouched.record_items.get().status == "requested"
    assert ReferralEvent.objects.filter(kind="record_status").count() == 3


def test_remind_now_mails_whoever_the_referral_waits_on_without_phi(
    coordinator_client, setting, django_capture_on_commit_callbacks
):
    patient = PatientFactory(organization=setting.practice, given_name="Zelda", mrn="MRN777")
    waiting_on_records = setting.referral(
        status=Status.ACCEPTED, specialist=setting.specialist, patient=patient, items=1
    )
    closed = setting.referral(status=Status.CLOSED)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(coordinator_client, "send_reminder_now", [waiting_on_records, closed])

    page = response.content.decode()
    assert f"Reminder sent for {waiting_on_records.reference}." in page
    assert f"{closed.reference} is closed: it waits on nobody." in page
    [message] = mail.outbox
    # Records are awaited from the referring side: its coordinators (the records step's turn,
    # as the reminder engine has it).
    assert set(message.to) == {setting.referring_coordinator.email}
    assert waiting_on_records.reference in message.subject
    assert str(waiting_on_records.uuid) in message.body
    for phi in ("Zelda", "MRN777", patient.family_name, "carcinoma"):
        assert phi not in message.subject + message.body
    event = ReferralEvent.objects.get(kind="reminder_sent")
    assert (event.referral, event.actor, event.data["step"]) == (
        waiting_on_records,
        setting.coordinator,
        "records",
    )


def test_remind_now_on_records_all_in_goes_to_the_center_which_must_start_the_review(
    coordinator_client, setting, django_capture_on_commit_callbacks
):
    # Accepted, every required record in: the review step, the center's turn (not the
    # referring side's, whose records are all there).
    colleague = member(setting.center, Role.COORDINATOR)
    records_in = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)
    records_in.record_items.update(status=RecordItem.Status.RECEIVED)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(coordinator_client, "send_reminder_now", [records_in])

    assert f"Reminder sent for {records_in.reference}." in response.content.decode()
    [message] = mail.outbox
    assert set(message.to) == {colleague.email}
    assert ReferralEvent.objects.get(kind="reminder_sent").data["step"] == "review"


def test_export_shows_no_more_than_the_list_and_is_audited(coordinator_client, setting):
    patient = PatientFactory(
        organization=setting.practice, given_name="Jane", family_name="Doe", mrn="MRN1"
    )
    referral = setting.referral(patient=patient, days_late=2)

    response = run_action(coordinator_client, "export_csv", [referral])

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["reference", "patient", "cancer site"]
    assert rows[1][0] == referral.reference
    assert rows[1][1] == "J.D. · MRN1"
    assert "Jane" not in response.content.decode() and "Doe" not in response.content.decode()
    assert rows[1][-1] == "yes"
    entry = AuditEntry.objects.get(action="export")
    assert (entry.referral_id, entry.actor) == (referral.pk, setting.coordinator)


def test_there_is_no_delete_action(coordinator_client, setting):
    setting.referral()

    response = coordinator_client.get(changelist_url(Referral))

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"mark_records_received", "send_reminder_now", "export_csv"} <= set(actions)
