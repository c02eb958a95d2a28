"""Property-based fuzzing of every API operation against the published OpenAPI schema.

Schemathesis generates valid (positive) and invalid (negative) requests from `/api/schema/`,
sends them to the app in-process (WSGI), as a coordinator of both the referring practice and
the center, with ids of real objects in the paths; a second test runs stateful sequences along
the links it infers (create a patient, then read and change it, ...). No request may cause a
5xx, and every response must match the schema (status code, content type, and the body: also
the error shape of every 4xx).

The bounded run takes about two to three minutes; SCHEMATHESIS_EXAMPLES=200 explores further.
"""

import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Membership
from referrals.models import Referral
from tests.api.conftest import api_token_for
from tests.factories import (
    PathologyReviewFactory,
    ProgressUpdateFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
Status = Referral.Status
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
SCENARIOS = int(os.environ.get("SCHEMATHESIS_SCENARIOS", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def connection_kept_open_between_requests():
    # As Django's test client does: a request's end must not close the test's connection
    # (its transaction holds the fixtures).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def coordinator_with_data(db):
    """A coordinator of both sides, and a referral of each kind of object to point at."""
    under_review = referral_in_state(Status.UNDER_REVIEW)
    monitoring = referral_in_state(
        Status.MONITORING,
        patient__organization=under_review.referring_organization,
        receiving_center=under_review.receiving_center,
    )
    draft = referral_in_state(
        Status.DRAFT,
        patient__organization=under_review.referring_organization,
        receiving_center=under_review.receiving_center,
    )
    coordinator = member(under_review.referring_organization, Role.COORDINATOR)
    Membership.objects.create(
        user=coordinator, organization=under_review.receiving_center, role=Role.COORDINATOR
    )
    review = PathologyReviewFactory(referral=under_review)
    update = ProgressUpdateFactory(referral=monitoring)
    ids = {
        "referrals": [under_review.uuid, monitoring.uuid, draft.uuid],
        "records": [item.uuid for item in under_review.record_items.all()],
        "pathology-reviews": [review.uuid],
        "progress-updates": [update.uuid],
        "patients": [under_review.patient.uuid, draft.patient.uuid],
        "attachments": [],
    }
    return {"Authorization": f"Token {api_token_for(coordinator)}"}, ids


# The live schema, as served by the app (generating it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Valid and invalid data alike: an invalid request must get a 4xx that the schema declares.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # A fixed sequence in the suite; SCHEMATHESIS_EXAMPLES=200 explores further, at random.
    derandomize="SCHEMATHESIS_EXAMPLES" not in os.environ,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_breaks_the_api_or_its_schema(case, coordinator_with_data):
    headers, ids = coordinator_with_data
    if case.path_parameters and "id" in case.path_parameters:
        collection = case.path.strip("/").split("/")[2]
        known = ids.get(collection) or []
        if known:
            # Mostly real objects (deep code paths), sometimes the generated id (the 404 path).
            pick = zlib.crc32(str(case.path_parameters["id"]).encode()) % (len(known) + 1)
            if pick < len(known):
                case.path_parameters["id"] = str(known[pick])
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_stateful_sequences_break_nothing(coordinator_with_data):
    """Sequences along the links between operations: what one response creates, the next
    request reads, changes or acts on."""
    headers, _ids = coordinator_with_data

    class Sequences(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Sequences.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=5,
            deadline=None,
            derandomize="SCHEMATHESIS_EXAMPLES" not in os.environ,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
