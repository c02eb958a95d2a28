"""Permission matrix: every endpoint × every role × (own, other organization).

The referral is under review at the center, with a pathology review assigned, a consult and a
record item. Users of other organizations, the center's analyst and a specialist of the same
center who is not assigned must learn nothing: 404, exactly as for an id that does not exist.
"""

import pytest

from accounts.models import Membership
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    ConsultationFactory,
    PathologyReviewFactory,
    ProgressUpdateFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
pytestmark = pytest.mark.django_db

REFERRING = ["referring_oncologist", "referring_coordinator"]
CENTER = ["center_coordinator", "specialist", "pathologist"]
HIDDEN = ["analyst", "other_specialist", "other_center_coordinator", "other_practice_coordinator"]
EVERYONE = [*REFERRING, *CENTER, *HIDDEN, "anonymous"]


def expect(allowed: dict[str, int]) -> dict[str, int]:
    """Statuses by role: the listed ones, 404 for those who cannot see it, 401 anonymous."""
    table = {role: 404 for role in EVERYONE}
    table["anonymous"] = 401
    table.update(allowed)
    return table


def visible(status: int) -> dict[str, int]:
    return {role: status for role in [*REFERRING, *CENTER]}


# (method, path template, body, expected statuses)
MATRIX = [
    ("get", "referrals/{referral}/", None, expect(visible(200))),
    ("get", "referrals/{referral}/events/", None, expect(visible(200))),
    ("get", "referrals/{referral}/records/", None, expect(visible(200))),
    ("get", "referrals/{referral}/pathology-reviews/", None, expect(visible(200))),
    ("get", "referrals/{referral}/consultation/", None, expect(visible(200))),
    ("get", "referrals/{referral}/recommendation/", None, expect(visible(200))),
    ("get", "referrals/{referral}/progress-updates/", None, expect(visible(200))),
    ("get", "referrals/{referral}/fhir/", None, expect(visible(200))),
    # Patients belong to the practice: the center reads them through the referral only.
    ("get", "patients/{patient}/", None, expect({r: 200 for r in REFERRING})),
    (
        "patch",
        "patients/{patient}/",
        {"phone": "555-0100"},
        expect({r: 200 for r in REFERRING}),
    ),
    # Under review, only the center coordinator may still edit (the modality).
    (
        "patch",
        "referrals/{referral}/",
        {"modality": "in_person"},
        expect({**visible(403), "center_coordinator": 200, **{r: 200 for r in REFERRING}}),
    ),
    # Cancel needs a reason (400) from those who may cancel; the others get 403.
    (
        "post",
        "referrals/{referral}/transitions/",
        {"action": "cancel"},
        expect({**visible(403), "center_coordinator": 400, **{r: 400 for r in REFERRING}}),
    ),
    # Not from this state: 409 for the one who may accept.
    (
        "post",
        "referrals/{referral}/transitions/",
        {"action": "accept"},
        expect({**visible(403), "center_coordinator": 409}),
    ),
    # A record's details are the sending side's and the coordinators' (edit_record_details).
    (
        "patch",
        "records/{record}/",
        {"description": "Outside report"},
        expect({**visible(403), "center_coordinator": 200, **{r: 200 for r in REFERRING}}),
    ),
    # The referring oncologist adds records while it is a draft: not in this state (409).
    (
        "post",
        "referrals/{referral}/records/",
        {"kind": "lab_results", "required": False},
        expect(
            {
                **visible(403),
                "center_coordinator": 201,
                "referring_coordinator": 201,
                "referring_oncologist": 409,
            }
        ),
    ),
    (
        "post",
        "referrals/{referral}/pathology-reviews/",
        {"pathologist": "{pathologist}"},
        # The pathologist already has an open review: 400 for the coordinator who may ask.
        expect({**visible(403), "center_coordinator": 400}),
    ),
    (
        "patch",
        "pathology-reviews/{review}/",
        {"comments": "Deeper levels cut."},
        expect({**visible(403), "pathologist": 200}),
    ),
    (
        "put",
        "referrals/{referral}/consultation/",
        {"notes": "Patient's daughter joined."},
        expect({**visible(403), "center_coordinator": 200, "specialist": 200}),
    ),
    (
        "post",
        "referrals/{referral}/recommendation/",
        {"concordance": "concurs", "summary": "Agree with surgery first."},
        expect({**visible(403), "specialist": 200}),
    ),
    # Progress updates come after the return: 409 for the referring side, 403 for the center.
    (
        "post",
        "referrals/{referral}/progress-updates/",
        {"response": "stable", "recommendation_followed": "yes"},
        expect({**visible(403), **{r: 409 for r in REFERRING}}),
    ),
    # Replies come while the referral is followed after the return: not under review (409).
    (
        "post",
        "progress-updates/{update}/reply/",
        {"advice": "Continue."},
        expect({**visible(403), "specialist": 409}),
    ),
]


@pytest.fixture
def story():
    referral = referral_in_state(Referral.Status.UNDER_REVIEW)
    cast = Cast(referral)
    other_center, other_practice = CancerCenterFactory(), CommunityPracticeFactory()
    people = {
        "referring_oncologist": cast.referring_oncologist,
        "referring_coordinator": cast.referring_coordinator,
        "center_coordinator": cast.center_coordinator,
        "specialist": cast.specialist,
        "pathologist": cast.pathologist,
        "analyst": cast.analyst,
        "other_specialist": cast.other_specialist,
        "other_center_coordinator": member(other_center, Role.COORDINATOR),
        "other_practice_coordinator": member(other_practice, Role.COORDINATOR),
        "anonymous": None,
    }
    review = PathologyReviewFactory(referral=referral, pathologist=cast.pathologist)
    ConsultationFactory(referral=referral)
    # An update answered by nobody yet (written directly: the referral is not back home).
    update = ProgressUpdateFactory(referral=referral)
    ids = {
        "referral": referral.uuid,
        "patient": referral.patient.uuid,
        "record": referral.record_items.get().uuid,
        "review": review.uuid,
        "update": update.uuid,
        "pathologist": cast.pathologist.uuid,
    }
    return people, ids


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize(
    "method,path,body,expected",
    MATRIX,
    ids=[f"{m.upper()} {p} {(b or {}).get('action', '')}".strip() for m, p, b, _ in MATRIX],
)
def test_each_role_gets_the_expected_answer(api, story, role, method, path, body, expected):
    people, ids = story
    client = api(people[role])
    call = getattr(client, method)
    response = call(url(path.format(**ids)), _fill(body, ids), format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "code", "fields"}


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize(
    "path,listed_by,shown",
    [
        # A referral is listed to those who may open it.
        ("referrals/", REFERRING + CENTER, "referral"),
        # Patients are the practice's: the center sees them only inside referrals.
        ("patients/", REFERRING, "patient"),
    ],
)
def test_lists_show_only_what_the_role_may_open(api, story, role, path, listed_by, shown):
    people, ids = story
    response = api(people[role]).get(url(path))
    if role == "anonymous":
        assert response.status_code == 401
        return
    listed = [row["id"] for row in response.json()["results"]]
    assert listed == ([str(ids[shown])] if role in listed_by else [])
