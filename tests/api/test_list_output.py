"""The list's JSON, byte for byte what the serializer wrote before the list's fast path, and
its OpenAPI schema true to it."""

import datetime
import json
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Membership
from referrals.models import Referral
from tests.api.conftest import url
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PatientFactory,
    ReferralFactory,
    member,
)

Role = Membership.Role
Status = Referral.Status
pytestmark = pytest.mark.django_db

# Captured from the serializer's output (ReferralListSerializer) before the fast path
# ("awaiting_information" added with issue 13).
GOLDEN = Path(__file__).parent / "golden" / "referral_list.json"
UTC, NEW_YORK = datetime.UTC, ZoneInfo("America/New_York")


def _id(number: int) -> uuid.UUID:
    return uuid.UUID(int=number)


@pytest.fixture
def rows():
    """Referrals in most shapes a row takes: with and without a specialist, a submission
    date and a due date; overdue and not; open and closed; times in and out of DST. Listed by
    their referring oncologist, who sees them all (the center never sees the one that was
    never submitted)."""
    practice = CommunityPracticeFactory(uuid=_id(1))
    center = CancerCenterFactory(uuid=_id(2))
    oncologist = member(practice, Role.REFERRING_ONCOLOGIST, uuid=_id(3))
    specialist = member(center, Role.SPECIALIST, uuid=_id(4))
    member(center, Role.COORDINATOR, uuid=_id(5))
    shapes = [
        (Status.SUBMITTED, None, datetime.date(2020, 1, 2), "urgent", "in_person"),
        (Status.ACCEPTED, specialist, datetime.date(2099, 1, 2), "routine", "virtual"),
        (Status.UNDER_REVIEW, specialist, datetime.date(2021, 7, 4), "routine", "records_only"),
        (Status.MONITORING, specialist, None, "routine", "virtual"),
        (Status.CLOSED, specialist, datetime.date(2020, 1, 2), "routine", "virtual"),
        (Status.DECLINED, None, None, "urgent", "virtual"),
    ]
    for number, (status, assigned, due, urgency, modality) in enumerate(shapes):
        created = datetime.datetime(2025, 1 + 2 * number, 10, 14, 30, 5, number * 1000, UTC)
        ReferralFactory(
            uuid=_id(100 + number),
            reference=f"SO-2025-{number + 1:06d}",
            patient=PatientFactory(organization=practice, uuid=_id(200 + number)),
            receiving_center=center,
            referring_oncologist=oncologist,
            specialist=assigned,
            status=status,
            decline_reason_code="no_capacity" if status == Status.DECLINED else "",
            cancer_site=["breast", "lung", "melanoma"][number % 3],
            urgency=urgency,
            modality=modality,
            opinion_number=2,
            created_at=created,
            submitted_at=None if number == 5 else created + datetime.timedelta(hours=1),
            next_due=due,
            # Added with issue 13: the accepted referral awaits an answer from the practice.
            awaiting_information=status == Status.ACCEPTED,
            information_due=due if status == Status.ACCEPTED else None,
        )
    return oncologist


def test_the_list_json_is_what_the_serializer_wrote(api, rows):
    response = api(rows).get(url("referrals/"), {"page_size": 100})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    golden = json.loads(GOLDEN.read_text())
    assert results == golden
    assert [list(row) for row in results] == [list(row) for row in golden]  # key order too


def test_the_schema_describes_the_list_row_exactly(api, rows):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    page = schema["paths"]["/api/v1/referrals/"]["get"]["responses"]["200"]["content"]
    page_schema = _resolved(page["application/json"]["schema"], components)
    row_schema = _resolved(page_schema["properties"]["results"]["items"], components)
    results = api(rows).get(url("referrals/"), {"page_size": 100}).json()["results"]
    properties = row_schema["properties"]
    for row in results:
        assert list(row) == list(properties)
        assert set(row_schema["required"]) <= set(row)
        for name, value in row.items():
            _conforms(value, properties[name], components, name)


def _resolved(field: dict, components: dict) -> dict:
    return components[field["$ref"].rsplit("/", 1)[-1]] if "$ref" in field else field


def _conforms(value, field: dict, components: dict, name: str) -> None:
    if "$ref" in field:
        field = components[field["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in field:
        for part in field["allOf"]:
            _conforms(value, part, components, name)
        return
    if "oneOf" in field:
        assert any(_matches(value, option, components) for option in field["oneOf"]), name
        return
    assert _matches(value, field, components), (name, value, field)


def _matches(value, field: dict, components: dict) -> bool:
    if "$ref" in field:
        field = components[field["$ref"].rsplit("/", 1)[-1]]
    if value is None:
        return bool(field.get("nullable")) or field.get("type") is None and "enum" in field
    if "enum" in field and value not in field["enum"]:
        return False
    kind = field.get("type")
    if kind == "string":
        if not isinstance(value, str):
            return False
        if field.get("format") == "uuid":
            uuid.UUID(value)
        if field.get("format") == "date-time":
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if field.get("format") == "date":
            datetime.date.fromisoformat(value)
        return True
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return kind is None
