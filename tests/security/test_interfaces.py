"""Every interface refuses what a user may not see or do, audits the refusal, changes nothing;
and reading a referral's detail writes exactly one audit entry, whichever interface reads it.

Interfaces: the API, the FHIR export, the admin (pages and its CSV export), the portal and
the reports' referral-list CSV.
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Membership, User
from audit.models import AuditEntry
from referrals.models import Referral
from tests.admin.helpers import change_url, changelist_url
from tests.api.conftest import client_for
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
DENIED = AuditEntry.Action.DENIED
pytestmark = pytest.mark.django_db


@dataclass
class World:
    referral: Referral
    cast: Cast
    # Coordinator and oncologist of another center and another practice.
    outsider_coordinator: User
    outsider_oncologist: User


@pytest.fixture
def world() -> World:
    referral = referral_in_state(Referral.Status.SUBMITTED)
    return World(
        referral=referral,
        cast=Cast(referral),
        outsider_coordinator=member(CancerCenterFactory(), Role.COORDINATOR),
        outsider_oncologist=member(CommunityPracticeFactory(), Role.REFERRING_ONCOLOGIST),
    )


def browser_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state_of(referral: Referral) -> tuple[dict, int]:
    """The referral's row and the length of its timeline."""
    return Referral.objects.filter(pk=referral.pk).values().get(), referral.events.count()


def referral_entries(referral: Referral):
    return AuditEntry.objects.filter(referral_id=referral.pk)


def api_path(referral: Referral, suffix: str = "") -> str:
    return f"/api/v1/referrals/{referral.uuid}/{suffix}"


def portal_path(referral: Referral, suffix: str = "") -> str:
    return f"/referrals/{referral.uuid}/{suffix}"


# Another organization's referral ---------------------------------------------------------


def api_detail(world, user):
    return client_for(user).get(api_path(world.referral))


def api_cancel(world, user):
    body = {"action": "cancel", "reason_code": "other", "reason": "Not ours."}
    return client_for(user).post(api_path(world.referral, "transitions/"), body, format="json")


def fhir_export(world, user):
    return client_for(user).get(api_path(world.referral, "fhir/"))


def admin_change_page(world, user):
    return browser_as(user).get(change_url(world.referral))


def admin_change_post(world, user):
    return browser_as(user).post(change_url(world.referral), {"urgency": "urgent"})


def admin_workflow_cancel(world, user):
    url = f"/admin/referrals/referral/{world.referral.uuid}/workflow/cancel/"
    return browser_as(user).post(url, {"reason_code": "other", "reason": "Not ours."})


def admin_csv_export(world, user):
    form = {"action": "export_csv", "index": "0", "_selected_action": [world.referral.pk]}
    return browser_as(user).post(changelist_url(Referral), form)


def portal_page(world, user):
    return browser_as(user).get(portal_path(world.referral))


def portal_cancel(world, user):
    return browser_as(user).post(
        portal_path(world.referral, "actions/cancel/"), {"reason_code": "duplicate"}
    )


OTHER_ORGANIZATION = [
    # (request, interface, status, outsider)
    (api_detail, "api", 404, "outsider_oncologist"),
    (api_cancel, "api", 404, "outsider_oncologist"),
    (fhir_export, "api", 404, "outsider_coordinator"),
    (admin_change_page, "admin", 404, "outsider_coordinator"),
    (admin_change_post, "admin", 404, "outsider_coordinator"),
    (admin_workflow_cancel, "admin", 404, "outsider_coordinator"),
    (admin_csv_export, "admin", 200, "outsider_coordinator"),
    (portal_page, "portal", 404, "outsider_oncologist"),
    (portal_cancel, "portal", 404, "outsider_coordinator"),
]


@pytest.mark.parametrize(
    "attempt, interface, status, who",
    OTHER_ORGANIZATION,
    ids=[case[0].__name__ for case in OTHER_ORGANIZATION],
)
def test_another_organizations_referral_is_refused_audited_and_unchanged(
    world, attempt, interface, status, who
):
    user = getattr(world, who)
    before = state_of(world.referral)

    response = attempt(world, user)

    assert response.status_code == status
    # Refused without a hint: nothing of the referral in the answer (the CSV has no row).
    assert world.referral.reference not in response.content.decode()
    [denial] = referral_entries(world.referral).filter(action=DENIED)
    assert (denial.actor, denial.interface) == (user, interface)
    assert denial.object_id == str(world.referral.uuid)
    assert denial.detail.endswith("not visible")
    assert not referral_entries(world.referral).exclude(action=DENIED).exists()
    assert state_of(world.referral) == before


def test_the_reports_referral_list_of_another_organization_leaves_the_referral_out(world):
    user = world.outsider_coordinator
    before = state_of(world.referral)

    response = browser_as(user).get("/reports/export/referrals.csv")

    assert response.status_code == 200
    assert world.referral.reference not in response.content.decode()
    # The export itself is audited; it names no referral, so it reveals nothing of this one.
    assert AuditEntry.objects.filter(actor=user, action="export").count() == 1
    assert not referral_entries(world.referral).exists()
    assert state_of(world.referral) == before


# An action the user's role does not allow -----------------------------------------------


def oncologist_accepts_through_the_api(world):
    specialist = world.cast.specialist
    body = {"action": "accept", "specialist": str(specialist.uuid)}
    user = world.cast.referring_oncologist
    return user, client_for(user).post(api_path(world.referral, "transitions/"), body)


def specialist_cancels_in_the_portal(world):
    user = world.cast.specialist
    url = portal_path(world.referral, "actions/cancel/")
    return user, browser_as(user).post(
        url, {"reason_code": "other", "reason": "I would rather not."}
    )


def analyst_asks_the_fhir_export(world):
    user = world.cast.analyst
    return user, client_for(user).get(api_path(world.referral, "fhir/"))


def clinician_opens_the_admin(world):
    user = world.cast.referring_oncologist
    return user, browser_as(user).get(changelist_url(Referral))


def practice_coordinator_accepts_in_the_admin(world):
    user = world.cast.referring_coordinator
    url = f"/admin/referrals/referral/{world.referral.uuid}/workflow/accept/"
    return user, browser_as(user).post(url, {"specialist": world.cast.specialist.pk})


def coordinator_deletes_in_the_admin(world):
    user = world.cast.center_coordinator
    delete_url = change_url(world.referral).removesuffix("change/") + "delete/"
    return user, browser_as(user).post(delete_url, {"post": "yes"})


def analyst_asks_the_referral_list_csv(world):
    user = world.cast.analyst
    return user, browser_as(user).get("/reports/export/referrals.csv")


ROLE_REFUSALS = [
    # (attempt, interface, status, names the referral, words of the audited detail)
    (oncologist_accepts_through_the_api, "api", 403, True, "Accept"),
    (specialist_cancels_in_the_portal, "portal", 403, True, "Cancel"),
    (analyst_asks_the_fhir_export, "api", 404, True, "not visible"),
    (clinician_opens_the_admin, "admin", 302, False, "the admin is for staff members"),
    (practice_coordinator_accepts_in_the_admin, "admin", 302, True, "accept not permitted"),
    (coordinator_deletes_in_the_admin, "admin", 403, True, "permission denied"),
    (analyst_asks_the_referral_list_csv, "portal", 403, False, "Analysts see aggregates only"),
]


@pytest.mark.parametrize(
    "attempt, interface, status, names_referral, reason",
    ROLE_REFUSALS,
    ids=[case[0].__name__ for case in ROLE_REFUSALS],
)
def test_an_action_the_role_may_not_take_is_refused_audited_and_changes_nothing(
    world, attempt, interface, status, names_referral, reason
):
    before = state_of(world.referral)
    entries_before = set(AuditEntry.objects.values_list("pk", flat=True))

    user, response = attempt(world)

    assert response.status_code == status
    new = AuditEntry.objects.exclude(pk__in=entries_before)
    [denial] = new.filter(action=DENIED)
    assert (denial.actor, denial.interface) == (user, interface)
    assert reason in denial.detail
    assert denial.referral_id == (world.referral.pk if names_referral else None)
    # Nothing but the log-in, reads (the portal audits the page it checked the role on) and
    # the refusal.
    assert set(new.values_list("action", flat=True)) <= {"login", "view", DENIED}
    assert state_of(world.referral) == before


def test_anonymous_requests_are_sent_to_log_in_without_an_audit_entry(world):
    responses = [
        Client().get(portal_path(world.referral)),
        Client().get(change_url(world.referral)),
        client_for(None).get(api_path(world.referral)),
    ]

    assert [r.status_code for r in responses] == [302, 302, 401]
    assert not AuditEntry.objects.filter(action=DENIED).exists()


# One read, one entry --------------------------------------------------------------------


def api_detail_read(world):
    user = world.cast.center_coordinator
    return client_for(user).get(api_path(world.referral))


def fhir_read(world):
    return client_for(world.cast.center_coordinator).get(api_path(world.referral, "fhir/"))


def admin_change_form_read(world):
    return browser_as(world.cast.center_coordinator).get(change_url(world.referral))


def portal_page_read(world):
    return browser_as(world.cast.referring_oncologist).get(portal_path(world.referral))


DETAIL_READS = [
    (api_detail_read, "view", "api"),
    (fhir_read, "export", "api"),
    (admin_change_form_read, "view", "admin"),
    (portal_page_read, "view", "portal"),
]


@pytest.mark.parametrize(
    "read, action, interface", DETAIL_READS, ids=[case[0].__name__ for case in DETAIL_READS]
)
def test_reading_a_referral_detail_writes_exactly_one_audit_entry(world, read, action, interface):
    before = referral_entries(world.referral).count()

    response = read(world)

    assert response.status_code == 200
    assert world.referral.reference in response.content.decode()
    entries = referral_entries(world.referral)
    assert entries.count() == before + 1
    entry = entries.order_by("-id").first()
    assert (entry.action, entry.interface) == (action, interface)
    assert entry.object_id == str(world.referral.uuid)


@pytest.mark.parametrize(
    "part",
    [
        "",
        "events/",
        "records/",
        "pathology-reviews/",
        "consultation/",
        "recommendation/",
        "progress-updates/",
    ],
)
def test_each_api_read_of_a_referral_or_one_of_its_parts_writes_one_view_entry(part):
    referral = referral_in_state(Referral.Status.UNDER_REVIEW, ready=True)
    before = referral_entries(referral).count()

    response = client_for(referral.specialist).get(api_path(referral, part))

    assert response.status_code == 200
    [entry] = referral_entries(referral)[: referral_entries(referral).count() - before]
    assert (entry.action, entry.interface, entry.actor) == ("view", "api", referral.specialist)
    assert entry.detail == response.wsgi_request.resolver_match.url_name
