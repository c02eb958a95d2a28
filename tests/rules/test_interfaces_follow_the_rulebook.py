"""Every interface (API, FHIR, portal, admin, CSV export) × every relation × every case of a
referral's life: what it shows and allows is what the rulebook says.

Visibility is checked against DESIGN §3's literal table (tests/rules/test_design_tables.py);
capabilities against `capabilities_for`, plus literal checks of the defects this table fixed.
"""

import pytest
from django.core import mail

from referrals.models import RecordItem, Referral
from referrals.rules import workflow
from referrals.rules.capabilities import capabilities_for
from referrals.rules.relations import relations_to
from referrals.rules.states import FINAL_STATES
from tests.admin.helpers import change_url, changelist_url
from tests.api.conftest import client_for, url
from tests.factories import RecommendationFactory, member
from tests.rules.test_design_tables import (
    CASES,
    DESIGN_SEES,
    DESIGN_SEES_PATIENT_CONTACT,
    build_case,
)

pytestmark = pytest.mark.django_db

PEOPLE = sorted(DESIGN_SEES)
COORDINATORS = ("referring_coordinator", "center_coordinator")
DRAFT_CANARY = "Zqxdraftrecommendation"
MATRIX = [(case, person) for case in sorted(CASES) for person in PEOPLE]


def _with_unsigned_draft(referral: Referral) -> None:
    """The specialist's unsigned work in progress, where a specialist is assigned."""
    signed = referral.recommendations.filter(signed_at__isnull=False).first()
    RecommendationFactory(
        referral=referral,
        signed_at=None,
        version=2 if signed else 1,
        amendment_reason="Correcting the regimen." if signed else "",
        summary=f"{DRAFT_CANARY} not for anyone but its author",
    )


@pytest.fixture
def world(request):
    case = request.param
    referral, cast = build_case(case)
    patient = referral.patient
    _with_unsigned_draft(referral)
    return case, referral, cast, patient


def _sees(case, person) -> bool:
    return case in DESIGN_SEES[person]


@pytest.mark.parametrize(("world", "person"), MATRIX, indirect=["world"])
def test_each_interface_shows_a_referral_to_exactly_those_design_lets_see_it(world, person):
    case, referral, cast, patient = world
    user = getattr(cast, person)
    sees = _sees(case, person)
    expected = 200 if sees else 404
    api = client_for(user)

    assert api.get(url(f"referrals/{referral.uuid}/")).status_code == expected
    assert api.get(url(f"referrals/{referral.uuid}/records/")).status_code == expected
    assert api.get(url(f"referrals/{referral.uuid}/events/")).status_code == expected
    fhir = api.get(url(f"referrals/{referral.uuid}/fhir/"))
    assert fhir.status_code == expected
    listed = [row["id"] for row in api.get(url("referrals/")).json()["results"]]
    assert (str(referral.uuid) in listed) == sees

    from django.test import Client

    portal = Client()
    portal.force_login(user)
    page = portal.get(f"/referrals/{referral.uuid}/")
    assert page.status_code == expected

    if sees:
        # Patient contact details: only for the referring side, in FHIR as everywhere.
        text = fhir.content.decode()
        with_contact = person in DESIGN_SEES_PATIENT_CONTACT
        assert (patient.phone in text, patient.email in text) == (with_contact, with_contact)
        assert patient.phone not in page.content.decode() or with_contact
        # The unsigned draft: its author's only.
        author = person == "specialist"
        if not author:
            assert DRAFT_CANARY not in page.content.decode()
        assert DRAFT_CANARY not in text  # never exported
        recommendation = api.get(url(f"referrals/{referral.uuid}/recommendation/")).json()
        assert (recommendation["draft"] is not None) == author


ADMIN_MATRIX = [(case, person) for case in sorted(CASES) for person in COORDINATORS]


@pytest.mark.parametrize(("world", "person"), ADMIN_MATRIX, indirect=["world"])
def test_the_admin_shows_change_page_search_and_export_as_design_says(client, world, person):
    case, referral, cast, patient = world
    client.force_login(getattr(cast, person))
    sees = _sees(case, person)

    page = client.get(change_url(referral))
    assert page.status_code == (200 if sees else 404)
    if sees:
        assert DRAFT_CANARY not in page.content.decode()  # coordinators never see drafts
    search = client.get(changelist_url(Referral), {"q": patient.family_name})
    assert (referral.reference in search.content.decode()) == sees
    export = client.post(
        changelist_url(Referral),
        {"action": "export_csv", "_selected_action": [referral.pk]},
    )
    exported = export.get("Content-Type", "").startswith("text/csv") and (
        referral.reference in export.content.decode()
    )
    assert exported == sees


@pytest.mark.parametrize(("world", "person"), MATRIX, indirect=["world"])
def test_what_the_api_and_portal_offer_is_what_the_rulebook_grants(world, person):
    case, referral, cast, patient = world
    if not _sees(case, person):
        return
    user = getattr(cast, person)
    fresh = Referral.objects.get(pk=referral.pk)
    granted = capabilities_for(user, fresh)
    offered = workflow.actions_offered(user, fresh)
    api = client_for(user)

    detail = api.get(url(f"referrals/{referral.uuid}/")).json()
    assert detail["capabilities"] == granted.names
    assert detail["actions"] == [action.name for action in offered]

    from django.test import Client

    portal = Client()
    portal.force_login(user)
    page = portal.get(f"/referrals/{referral.uuid}/").content.decode()
    assert (f"/referrals/{referral.uuid}/edit/" in page) == ("edit_referral" in granted)
    assert (f"/referrals/{referral.uuid}/consultation/" in page) == ("arrange_consult" in granted)

    # Record items: the description (a detail) changes exactly when the rulebook says so.
    item = referral.record_items.first()
    response = api.patch(
        url(f"records/{item.uuid}/"), {"description": "Outside report"}, format="json"
    )
    assert (response.status_code == 200) == ("edit_record_details" in granted), response.content


FINAL_CASES = sorted(case for case, (state, _) in CASES.items() if state in FINAL_STATES)


@pytest.mark.parametrize(
    ("world", "person"),
    [(case, person) for case in FINAL_CASES for person in PEOPLE],
    indirect=["world"],
)
def test_records_are_frozen_once_a_referral_is_final(world, person):
    case, referral, cast, _patient = world
    user = getattr(cast, person)
    item = referral.record_items.first()
    sent = RecordItem.objects.create(
        referral=referral, kind="pathology_slides", status="sent", tracking_number="1Z9"
    )
    received = RecordItem.objects.create(referral=referral, kind="tissue_blocks", status="received")
    api = client_for(user)
    for target, change in (
        (item, {"description": "Late edit"}),
        (item, {"required": False}),
        (sent, {"status": "received"}),
        (sent, {"status": "waived", "waived_reason": "Not needed"}),
        (sent, {"tracking_number": "CHANGED"}),
    ):
        response = api.patch(url(f"records/{target.uuid}/"), change, format="json")
        assert response.status_code in (403, 404, 409), (change, response.content)
    assert RecordItem.objects.get(pk=item.pk).description == item.description
    # The one change left (chain of custody): the center sends slides and blocks back.
    returned = api.patch(
        url(f"records/{received.uuid}/"),
        {"status": "returned", "tracking_number": "1Z8"},
        format="json",
    )
    center_side = person in ("center_coordinator", "specialist", "pathologist")
    assert (returned.status_code == 200) == (center_side and _sees(case, person)), returned.content
    # Nor does the portal offer a record button or an upload.
    from django.test import Client

    portal = Client()
    portal.force_login(user)
    page = portal.get(f"/referrals/{referral.uuid}/")
    if page.status_code == 200:
        assert f"/referrals/{referral.uuid}/records/" not in page.content.decode()


def test_a_pathologist_marks_only_pathology_records_received():
    api = client_for
    referral, cast = build_case("under_review")
    referral.record_items.all().delete()
    notes = RecordItem.objects.create(referral=referral, kind="clinical_notes", status="sent")
    slides = RecordItem.objects.create(
        referral=referral, kind="pathology_slides", status="sent", tracking_number="1Z"
    )
    client = api(cast.pathologist)
    refused = client.patch(url(f"records/{notes.uuid}/"), {"status": "received"}, format="json")
    assert refused.status_code == 403
    done = client.patch(url(f"records/{slides.uuid}/"), {"status": "received"}, format="json")
    assert done.status_code == 200, done.content


def test_a_specialist_cannot_edit_the_referring_side_s_tracking_details():
    api = client_for
    referral, cast = build_case("under_review")
    item = referral.record_items.first()
    response = api(cast.specialist).patch(
        url(f"records/{item.uuid}/"), {"tracking_number": "FORGED"}, format="json"
    )
    assert response.status_code == 403
    assert RecordItem.objects.get(pk=item.pk).tracking_number != "FORGED"


# README "Who is reminded of a late step", literally: case → (state, whose turn it is).
WHOSE_TURN = {
    "submitted": ("submitted", "center coordinators"),
    "accepted_records_missing": ("accepted", "referring coordinators"),
    "accepted_records_in": ("accepted", "center coordinators"),
    "under_review": ("under_review", "specialist"),
    "recommendation_issued": ("recommendation_issued", "referring oncologist"),
    "monitoring": ("monitoring", "referring oncologist"),
    "returned": ("returned", None),
    "closed": ("closed", None),
}


@pytest.mark.parametrize("case", sorted(WHOSE_TURN))
def test_send_a_reminder_now_goes_to_whoever_s_turn_it_is(
    client, case, django_capture_on_commit_callbacks
):
    state, turn = WHOSE_TURN[case]
    referral, cast = build_case(state)
    if case == "accepted_records_in":
        referral.record_items.update(status=RecordItem.Status.RECEIVED)
    # Whoever presses the button is not reminded: a second coordinator on each side.
    center_colleague = member(referral.receiving_center, "coordinator")
    practice_colleague = member(referral.referring_organization, "coordinator")
    expected = {
        "center coordinators": {cast.center_coordinator.email, center_colleague.email},
        "referring coordinators": {cast.referring_coordinator.email, practice_colleague.email},
        "specialist": {cast.specialist.email},
        "referring oncologist": {cast.referring_oncologist.email},
        None: set(),
    }[turn]
    admin = member(referral.receiving_center, "coordinator")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist_url(Referral),
            {"action": "send_reminder_now", "_selected_action": [referral.pk]},
        )
    reminded = {address for message in mail.outbox for address in message.to}
    assert reminded == expected


def test_the_relations_of_a_superuser_are_both_coordinators():
    referral, _cast = build_case("submitted")
    from accounts.models import User

    root = User.objects.create_superuser(email="root@example.org", password="x")
    assert relations_to(root, referral) == {"referring_coordinator", "center_coordinator"}
