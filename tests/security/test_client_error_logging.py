"""An intended refusal (400, 403, 404) is logged as one line without a traceback, whichever
interface answered it; a server error keeps its traceback."""

import logging
import sys
import uuid

import pytest

from referrals.models import Referral
from security.logging import ClientErrorInOneLine
from tests.admin.helpers import change_url
from tests.api.conftest import client_for
from tests.factories import Cast, referral_in_state

pytestmark = pytest.mark.django_db
Status = Referral.Status


@pytest.fixture
def cast():
    return Cast(referral_in_state(Status.SUBMITTED))


def portal_forbidden(cast, client):
    client.force_login(cast.specialist)
    url = f"/referrals/{cast.referral.uuid}/actions/cancel/"
    return client.post(url, {"reason": "I would rather not."})


def portal_not_found(cast, client):
    client.force_login(cast.referring_oncologist)
    return client.get(f"/referrals/{uuid.uuid4()}/")


def admin_forbidden(cast, client):
    client.force_login(cast.center_coordinator)
    return client.post(change_url(cast.referral).removesuffix("change/") + "delete/", {})


def admin_not_found(cast, client):
    client.force_login(cast.center_coordinator)
    return client.get(f"/admin/referrals/referral/{uuid.uuid4()}/change/")


def api_bad_request(cast, client):
    api = client_for(cast.center_coordinator)
    return api.post(
        f"/api/v1/referrals/{cast.referral.uuid}/transitions/", {"action": "accept"}, format="json"
    )


def api_forbidden(cast, client):
    api = client_for(cast.referring_oncologist)
    data = {"action": "accept", "specialist": str(cast.specialist.uuid)}
    return api.post(f"/api/v1/referrals/{cast.referral.uuid}/transitions/", data, format="json")


def api_not_found(cast, client):
    return client_for(cast.referring_oncologist).get(f"/api/v1/referrals/{uuid.uuid4()}/")


REFUSALS = [
    (portal_forbidden, 403),
    (portal_not_found, 404),
    (admin_forbidden, 403),
    (admin_not_found, 404),
    (api_bad_request, 400),
    (api_forbidden, 403),
    (api_not_found, 404),
]


@pytest.mark.parametrize("attempt, status", REFUSALS, ids=[r[0].__name__ for r in REFUSALS])
def test_a_refusal_is_one_log_line_without_a_traceback(cast, client, caplog, attempt, status):
    caplog.set_level(logging.INFO)
    caplog.clear()

    response = attempt(cast, client)

    assert response.status_code == status
    request_lines = [r for r in caplog.records if r.name == "django.request"]
    assert len(request_lines) == 1, [r.getMessage() for r in request_lines]
    for record in caplog.records:
        assert record.exc_info is None and not record.exc_text, record.getMessage()
        assert "\n" not in record.getMessage()
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        error = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, "", 0, "Internal", (), error)
    record.status_code = 500
    ClientErrorInOneLine().filter(record)
    assert record.exc_info is error

    refused = logging.LogRecord("django.request", logging.WARNING, "", 0, "Forbidden", (), error)
    refused.status_code = 403
    ClientErrorInOneLine().filter(refused)
    assert refused.exc_info is None
