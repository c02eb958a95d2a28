"""The coordinator workspace's side of the information loop: the "Request information" button
and its form, the thread on the change page, the "awaiting information" list filter."""

import pytest

from referrals.models import InformationRequest, Referral
from referrals.services.workflow import referral_transition
from tests.admin.helpers import change_url, changelist_url
from tests.admin.test_change_form import workflow_url
from tests.factories import RecordItemFactory

Status = Referral.Status
pytestmark = pytest.mark.django_db


def accepted(setting):
    referral = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist)
    RecordItemFactory(referral=referral, status="received")
    return referral


def test_the_coordinator_asks_through_the_request_information_form(coordinator_client, setting):
    referral = accepted(setting)
    page = coordinator_client.get(workflow_url(referral, "request_information"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Clinical clarification" in html and "Question" in html

    refused = coordinator_client.post(workflow_url(referral, "request_information"), {})
    assert refused.status_code == 200
    assert {"reason", "note"} <= set(refused.context["form"].errors)

    done = coordinator_client.post(
        workflow_url(referral, "request_information"),
        {"reason": "illegible_records", "note": "Page 2 of the pathology report is unreadable."},
        follow=True,
    )
    assert "Your question is sent to the referring side" in done.content.decode()
    referral.refresh_from_db()
    assert referral.awaiting_information and referral.status == Status.ACCEPTED
    page = coordinator_client.get(change_url(referral)).content.decode()
    assert "awaiting information from the referring side" in page
    assert "Page 2 of the pathology report is unreadable." in page  # the thread
    assert "Not answered yet" in page
    offered = [
        a["name"] for a in coordinator_client.get(change_url(referral)).context["workflow_actions"]
    ]
    assert "request_information" not in offered  # one open request at a time


def test_the_thread_shows_the_answer(coordinator_client, setting):
    referral = accepted(setting)
    referral_transition(
        referral=referral,
        actor=setting.coordinator,
        action="request_information",
        data={"reason": "consent", "note": "Signed consent form?"},
    )
    referral_transition(
        referral=referral,
        actor=setting.oncologist,
        action="provide_information",
        data={"note": "Uploaded the signed form today."},
    )
    page = coordinator_client.get(change_url(referral)).content.decode()
    assert "Signed consent form?" in page and "Uploaded the signed form today." in page
    assert InformationRequest.objects.get(referral=referral).answered_by == setting.oncologist


def test_the_list_filters_on_awaiting_information(coordinator_client, setting):
    waiting = accepted(setting)
    other = accepted(setting)
    referral_transition(
        referral=waiting,
        actor=setting.coordinator,
        action="request_information",
        data={"reason": "insurance", "note": "Prior authorization number?"},
    )
    listed = coordinator_client.get(changelist_url(Referral), {"awaiting_information": "yes"})
    shown = [row.reference for row in listed.context["cl"].result_list]
    assert shown == [waiting.reference]
    not_waiting = coordinator_client.get(changelist_url(Referral), {"awaiting_information": "no"})
    assert other.reference in [row.reference for row in not_waiting.context["cl"].result_list]
    assert waiting.reference not in [r.reference for r in not_waiting.context["cl"].result_list]
    assert "Awaiting information" in listed.content.decode()
