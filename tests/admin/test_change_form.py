"""A referral's change page: what it shows, the workflow buttons, the record checklist."""

from django.urls import reverse

from audit.models import AuditEntry
from referrals.models import Consultation, RecordItem, Referral, ReferralEvent
from tests.admin.helpers import change_url, form_data
from tests.factories import member
from tests.queries import counted_queries

Status = Referral.Status


def workflow_url(referral, action: str) -> str:
    return f"{change_url(referral)[: -len('change/')]}workflow/{action}/"


def test_opening_a_referral_is_audited_as_a_view(coordinator_client, setting):
    referral = setting.referral()

    response = coordinator_client.get(change_url(referral))

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="view", referral_id=referral.pk)
    assert (entry.actor, entry.interface) == (setting.coordinator, "admin")


def test_another_centers_coordinator_gets_a_404(client, setting):
    referral = setting.referral()
    client.force_login(setting.other_coordinator)

    assert client.get(change_url(referral)).status_code == 404
    assert client.get(workflow_url(referral, "accept")).status_code == 404


def test_only_the_actions_allowed_now_are_offered(coordinator_client, setting):
    submitted = setting.referral()
    accepted = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist)

    def offered(referral):
        response = coordinator_client.get(change_url(referral))
        return [action["name"] for action in response.context["workflow_actions"]]

    assert offered(submitted) == ["accept", "decline", "cancel", "forward"]
    assert offered(accepted) == ["start_review", "cancel", "forward", "request_information"]
    # An action not offered is refused if posted anyway, and nothing changes.
    response = coordinator_client.post(workflow_url(submitted, "start_review"), follow=True)
    assert "not available" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_accept_needs_a_specialist_of_the_center(coordinator_client, setting):
    referral = setting.referral()
    outsider = member(setting.other_center, "specialist")

    form_page = coordinator_client.get(workflow_url(referral, "accept"))
    choices = [str(user) for user in form_page.context["form"].fields["specialist"].queryset]
    assert choices == [setting.specialist.display_name]

    missing = coordinator_client.post(workflow_url(referral, "accept"), {})
    assert missing.status_code == 200
    assert "This field is required" in missing.content.decode()
    wrong = coordinator_client.post(workflow_url(referral, "accept"), {"specialist": outsider.pk})
    assert "Select a valid choice" in wrong.content.decode()

    done = coordinator_client.post(
        workflow_url(referral, "accept"), {"specialist": setting.specialist.pk}, follow=True
    )
    page = done.content.decode()
    assert (
        "Accepted: the records are requested from the referring side. "
        "Assigned to Sam Specialist, MD." in page
    )
    referral.refresh_from_db()
    assert (referral.status, referral.specialist) == (Status.ACCEPTED, setting.specialist)


def test_a_guard_not_met_is_shown_and_nothing_changes(coordinator_client, setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=2)

    response = coordinator_client.post(workflow_url(referral, "start_review"))

    assert response.status_code == 200
    assert "Waiting for required records" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def _record_rows(response):
    return form_data(response, "referral_form")


def test_marking_records_received_inline_goes_through_the_records_service(
    coordinator_client, setting
):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=2)
    data = _record_rows(coordinator_client.get(change_url(referral)))
    data.update({"record_items-0-status": "received", "record_items-1-status": "received"})
    data["_continue"] = "Save and continue editing"

    response = coordinator_client.post(change_url(referral), data, follow=True)

    assert response.status_code == 200
    assert set(referral.record_items.values_list("status", flat=True)) == {"received"}
    events = ReferralEvent.objects.filter(referral=referral, kind="record_status")
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("requested", "received", setting.coordinator)
    ] * 2


def test_a_refused_record_change_is_shown_on_its_row_and_nothing_is_saved(
    coordinator_client, setting
):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=2)
    data = _record_rows(coordinator_client.get(change_url(referral)))
    # The first row is fine; the second asks for a change the other side makes (sent).
    data.update({"record_items-0-status": "received", "record_items-1-status": "sent"})

    response = coordinator_client.post(change_url(referral), data)

    assert response.status_code == 200
    formset = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "record_items"
    )
    assert formset.formset.forms[0].errors == {}
    assert "made by the other side" in str(formset.formset.forms[1].errors)
    # The page keeps what was typed; the database keeps what it had.
    assert 'value="sent" selected' in response.content.decode()
    assert set(referral.record_items.values_list("status", flat=True)) == {"requested"}
    assert not ReferralEvent.objects.filter(referral=referral, kind="record_status").exists()


def test_a_waiver_without_a_reason_is_a_form_error(coordinator_client, setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)
    data = _record_rows(coordinator_client.get(change_url(referral)))
    data["record_items-0-status"] = "waived"

    response = coordinator_client.post(change_url(referral), data)

    assert response.status_code == 200
    assert RecordItem.objects.get(referral=referral).status == "requested"
    assert "errornote" in response.content.decode()


def _change_page_queries(client, referral) -> int:
    with counted_queries() as queries:
        assert client.get(change_url(referral)).status_code == 200
    return len(queries)


def test_the_change_page_query_count_is_bounded(coordinator_client, setting):
    small = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=2)
    large = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=10)
    for _ in range(20):
        ReferralEvent.objects.create(referral=large, kind="edited", actor=setting.coordinator)

    small_count = _change_page_queries(coordinator_client, small)
    large_count = _change_page_queries(coordinator_client, large)

    assert large_count == small_count
    assert small_count <= 40


def test_the_center_coordinator_schedules_the_consult(coordinator_client, setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)
    data = form_data(coordinator_client.get(change_url(referral)), "referral_form")
    data.update(
        {
            "consultation-0-scheduled_for_0": "2026-12-03",
            "consultation-0-scheduled_for_1": "14:30",
            "consultation-0-join_link": "https://video.example.org/room/zqx",
            "consultation-0-support_person_present": "on",
        }
    )

    response = coordinator_client.post(change_url(referral), data)

    assert response.status_code == 302
    consultation = referral.consultation
    assert consultation.modality == referral.modality
    assert f"{consultation.scheduled_for:%Y-%m-%d}" == "2026-12-03"
    assert ReferralEvent.objects.filter(referral=referral, kind="consult_updated").exists()


def test_recording_a_consult_without_the_patients_consent_is_refused(coordinator_client, setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)
    referral.patient.consent_to_record_consult = False
    referral.patient.save()
    data = form_data(coordinator_client.get(change_url(referral)), "referral_form")
    data["consultation-0-recording_consented"] = "on"

    response = coordinator_client.post(change_url(referral), data)

    assert response.status_code == 200
    assert "not consented to recording" in response.content.decode()
    assert not Consultation.objects.filter(referral=referral).exists()


def test_the_center_coordinator_requests_a_pathology_review(coordinator_client, setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, items=1)
    pathologist = member(setting.center, "pathologist", full_name="Pat Hologist")
    url = reverse("admin:referrals_referral_pathology_review", args=(referral.uuid,))

    page = coordinator_client.get(change_url(referral)).content.decode()
    assert url in page
    response = coordinator_client.post(url, {"pathologist": pathologist.pk}, follow=True)

    assert "pathology review requested from Pat Hologist" in response.content.decode()
    assert referral.pathology_reviews.get().pathologist == pathologist
    again = coordinator_client.post(url, {"pathologist": pathologist.pk})
    assert "already has an open review" in again.content.decode()
    assert referral.pathology_reviews.count() == 1
