"""`manage.py patient_access_report`: who looked at a patient's record, from the audit trail."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import context
from audit.models import AuditEntry
from audit.services import audit_record
from referrals.models import Referral
from referrals.services.records import record_item_add
from tests.factories import Cast, PatientFactory, UserFactory, referral_in_state

pytestmark = pytest.mark.django_db


def report(*args) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("patient_access_report", *args, stdout=out)
    return out.getvalue().splitlines()


def seen_from(interface: str, address: str, **audit):
    token = context.use(context.AuditContext(interface=interface, client_address=address))
    try:
        return audit_record(**audit)
    finally:
        context.reset(token)


@pytest.fixture
def story():
    """A patient's referral read at the center and changed by the practice; another patient."""
    referral = referral_in_state(Referral.Status.SUBMITTED, reference="SO-2026-000417")
    cast = Cast(referral)
    seen_from("portal", "203.0.113.7", actor=cast.center_coordinator, action="view", obj=referral)
    seen_from(
        "api", "198.51.100.4", actor=cast.referring_oncologist, action="view", obj=referral.patient
    )
    record_item_add(
        actor=cast.referring_coordinator, referral=referral, data={"kind": "imaging_report"}
    )
    other = referral_in_state(Referral.Status.SUBMITTED)
    seen_from(
        "portal",
        "192.0.2.1",
        actor=UserFactory(email="elsewhere@example.org"),
        action="view",
        obj=other,
    )
    return cast


def test_every_access_to_the_patient_and_their_referrals_is_listed_oldest_first(story):
    patient = story.referral.patient

    lines = report(str(patient.uuid))

    assert lines[0].startswith(f"Access to patient {patient.uuid} (MRN {patient.mrn}")
    assert "3 entries" in lines[0]
    assert lines[1].split() == ["time", "actor", "role", "action", "interface", "address", "what"]
    coordinator, oncologist, change = lines[2:5]
    assert story.center_coordinator.email in coordinator
    assert "center_coordinator" in coordinator
    assert coordinator.split()[-7:] == [
        "center_coordinator", "Viewed", "Portal", "203.0.113.7", "Referral", "of",
        "SO-2026-000417",
    ]  # fmt: skip
    assert story.referring_oncologist.email in oncologist
    assert "referring_oncologist" in oncologist and "API" in oncologist
    assert "198.51.100.4" in oncologist and "Patient" in oncologist
    assert story.referring_coordinator.email in change and "Created" in change
    assert "RecordItem of SO-2026-000417" in change
    assert not [line for line in lines if "elsewhere@example.org" in line]


def test_the_patient_can_be_found_by_mrn_and_organization_and_the_report_is_audited(story):
    patient = story.referral.patient

    by_name = report("--mrn", patient.mrn, "--organization", patient.organization.name)
    by_uuid = report("--mrn", patient.mrn, "--organization", str(patient.organization.uuid))

    # The second report also lists the first one, as an export.
    assert [line.split() for line in by_uuid[2:5]] == [line.split() for line in by_name[2:]]
    assert "Exported" in by_uuid[5]
    produced = AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, patient_id=patient.pk
    ).order_by("id")
    assert produced.count() == 2
    assert produced[0].interface == AuditEntry.Interface.COMMAND
    # The next report shows that a report was produced.
    assert "Exported" in report(str(patient.uuid))[-1]


@pytest.mark.parametrize(
    "args, message",
    [
        ([str(uuid.UUID(int=7))], "No patient has the UUID 00000000-0000-0000-0000-000000000007"),
        (["not-a-uuid"], "'not-a-uuid' is not a UUID"),
        ([], "Give the patient's UUID, or both --mrn and --organization."),
        (["--mrn", "123"], "Give the patient's UUID, or both --mrn and --organization."),
        (["--mrn", "123", "--organization", "Nowhere Clinic"], "No organization is 'Nowhere"),
    ],
)
def test_an_unknown_patient_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        report(*args)


def test_an_unknown_mrn_at_a_known_organization_is_a_clear_error_with_a_non_zero_exit(capsys):
    from django.core.management import ManagementUtility

    patient = PatientFactory()
    utility = ManagementUtility(
        [
            "manage.py",
            "patient_access_report",
            "--mrn",
            "NOPE",
            "--organization",
            patient.organization.name,
        ]
    )
    with pytest.raises(SystemExit) as exit_status:
        utility.execute()

    assert exit_status.value.code == 1
    assert f"{patient.organization} has no patient with MRN 'NOPE'" in capsys.readouterr().err
