"""The information loop over the API (DESIGN §4): the center asks, the practice answers with a
new record, the review goes on to a recommendation, and a progress update says whether it was
followed. With the thread's schema, its errors and the awaiting_information filter."""

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from referrals.models import Referral
from tests.api.conftest import url
from tests.api.test_list_output import _conforms, _resolved
from tests.api.test_workflow import _text_file
from tests.factories import Cast, referral_in_state
from tests.queries import assert_queries

Status = Referral.Status
pytestmark = pytest.mark.django_db


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_request_answer_with_a_new_record_review_recommendation_and_followed_update(api):
    referral = referral_in_state(Status.ACCEPTED, ready=True)  # the records are in
    cast = Cast(referral)
    as_center, as_specialist = api(cast.center_coordinator), api(cast.specialist)
    as_oncologist = api(cast.referring_oncologist)
    rid = referral.uuid

    def act(client, action, **data):
        return client.post(
            url(f"referrals/{rid}/transitions/"), {"action": action, **data}, format="json"
        )

    # The center coordinator asks for the molecular report.
    asked = ok(
        as_center.post(
            url(f"referrals/{rid}/information-requests/"),
            {"reason": "missing_records", "note": "Please send the NGS panel report."},
            format="json",
        ),
        201,
    )
    assert (asked["reason"], asked["is_open"], asked["answer"]) == ("missing_records", True, "")
    assert asked["asked_by"] == str(cast.center_coordinator.uuid)
    detail = ok(as_center.get(url(f"referrals/{rid}/")))
    assert detail["status"] == "accepted" and detail["awaiting_information"] is True
    assert detail["next_due"] == asked["due_date"] == detail["information_due"]
    assert "start_review" not in detail["actions"]
    assert "answer" in detail["actions_waiting"]["start_review"]
    refused = act(as_center, "start_review")
    assert refused.status_code == 400 and "information_request" in refused.json()["fields"]
    awaiting = ok(as_center.get(url("referrals/"), {"awaiting_information": "true"}))
    assert [row["id"] for row in awaiting["results"]] == [str(rid)]
    assert awaiting["results"][0]["awaiting_information"] is True
    assert "provide_information" in ok(as_oncologist.get(url(f"referrals/{rid}/")))["actions"]

    # The practice answers, with the report as a new record item, and attaches the file.
    answered = ok(
        act(
            as_oncologist,
            "provide_information",
            note="NGS report attached: KRAS G12C.",
            record_items=[{"kind": "molecular_report", "description": "NGS panel"}],
        )
    )
    assert answered["status"] == "accepted" and answered["awaiting_information"] is False
    new = next(item for item in answered["record_items"] if item["description"] == "NGS panel")
    assert (new["kind"], new["status"]) == ("molecular_report", "sent")
    ok(
        as_oncologist.post(
            url(f"records/{new['id']}/attachments/"),
            {"file": _text_file("ngs.txt", b"KRAS G12C")},
            format="multipart",
        ),
        201,
    )
    ok(as_center.patch(url(f"records/{new['id']}/"), {"status": "received"}, format="json"))
    thread = ok(as_oncologist.get(url(f"referrals/{rid}/information-requests/")))
    assert [(r["is_open"], r["answer"], r["answered_by"]) for r in thread] == [
        (False, "NGS report attached: KRAS G12C.", str(cast.referring_oncologist.uuid))
    ]
    assert thread[0]["business_days_waited"] == 0
    assert ok(as_center.get(url("referrals/"), {"awaiting_information": "true"}))["results"] == []

    # The review goes on to a recommendation.
    assert ok(act(as_center, "start_review"))["status"] == "under_review"
    ok(
        as_specialist.put(
            url(f"referrals/{rid}/consultation/"),
            {"completed_at": timezone.now().isoformat()},
            format="json",
        )
    )
    ok(
        as_specialist.post(
            url(f"referrals/{rid}/recommendation/"),
            {"concordance": "differs", "summary": "Sotorasib rather than chemotherapy."},
            format="json",
        )
    )
    ok(as_specialist.post(url(f"referrals/{rid}/recommendation/"), {"sign": True}, format="json"))
    assert ok(act(as_specialist, "issue_recommendation"))["status"] == "recommendation_issued"
    assert ok(act(as_oncologist, "acknowledge_return"))["status"] == "returned"

    # A progress update says whether the recommendation was followed (why not, when not).
    updates = url(f"referrals/{rid}/progress-updates/")
    missing = as_oncologist.post(updates, {"response": "stable"}, format="json")
    assert missing.status_code == 400 and "recommendation_followed" in missing.json()["fields"]
    no_reason = as_oncologist.post(
        updates, {"response": "stable", "recommendation_followed": "partly"}, format="json"
    )
    assert no_reason.status_code == 400
    assert "recommendation_followed_reason" in no_reason.json()["fields"]
    update = ok(
        as_oncologist.post(
            updates,
            {
                "response": "stable",
                "recommendation_followed": "partly",
                "recommendation_followed_reason": "Sotorasib started; radiation kept local.",
            },
            format="json",
        ),
        201,
    )
    assert update["recommendation_followed"] == "partly"
    assert ok(as_specialist.get(updates))[0]["recommendation_followed_reason"].startswith("Soto")

    kinds = [event["kind"] for event in ok(as_center.get(url(f"referrals/{rid}/events/")))]
    assert kinds.index("request_information") < kinds.index("provide_information")
    assert kinds.index("provide_information") < kinds.index("start_review")


def test_the_thread_s_errors_say_what_is_wrong(api):
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    requests = url(f"referrals/{referral.uuid}/information-requests/")
    bad = api(cast.specialist).post(requests, {"reason": "everything", "note": ""}, format="json")
    assert bad.status_code == 400 and {"reason", "note"} <= set(bad.json()["fields"])
    not_yours = api(cast.referring_oncologist).post(
        requests, {"reason": "consent", "note": "Signed consent?"}, format="json"
    )
    assert not_yours.status_code == 403
    body = {"reason": "consent", "note": "Signed consent?"}
    assert api(cast.specialist).post(requests, body, format="json").status_code == 201
    again = api(cast.center_coordinator).post(requests, body, format="json")
    assert again.status_code == 409
    assert api(cast.other_oncologist).get(requests).status_code == 404
    no_note = api(cast.referring_coordinator).post(
        url(f"referrals/{referral.uuid}/transitions/"),
        {"action": "provide_information"},
        format="json",
    )
    assert no_note.status_code == 400 and "note" in no_note.json()["fields"]


def test_the_thread_is_what_the_schema_says(api):
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    requests = url(f"referrals/{referral.uuid}/information-requests/")
    for code in ("illegible_records", "insurance"):
        api(cast.center_coordinator).post(
            requests, {"reason": code, "note": "Please."}, format="json"
        )
        api(cast.referring_oncologist).post(
            url(f"referrals/{referral.uuid}/transitions/"),
            {"action": "provide_information", "note": "Done."},
            format="json",
        )
    api(cast.center_coordinator).post(requests, {"reason": "other", "note": "?"}, format="json")
    thread = ok(api(cast.referring_oncologist).get(requests))
    assert [row["is_open"] for row in thread] == [False, False, True]

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    path = schema["paths"]["/api/v1/referrals/{id}/information-requests/"]
    listed = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    row_schema = _resolved(listed["items"], components)
    for row in thread:
        assert list(row) == list(row_schema["properties"])
        for name, value in row.items():
            _conforms(value, row_schema["properties"][name], components, name)
    assert "201" in path["post"]["responses"]


def test_the_thread_reads_a_fixed_number_of_queries(api):
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    client = api(cast.center_coordinator)
    requests = url(f"referrals/{referral.uuid}/information-requests/")

    def grow():
        client.post(requests, {"reason": "consent", "note": "Consent form?"}, format="json")
        api(cast.referring_coordinator).post(
            url(f"referrals/{referral.uuid}/transitions/"),
            {"action": "provide_information", "note": "Sent."},
            format="json",
        )

    grow()
    with assert_queries(at_most=20) as few:
        client.get(requests)
    one_request = len(few.captured_queries)  # before the next requests reset the query log
    for _ in range(4):
        grow()
    with assert_queries(at_most=one_request):
        assert len(client.get(requests).json()) == 5
