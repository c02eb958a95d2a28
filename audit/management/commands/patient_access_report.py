"""Who looked at my record: every read and change of one patient's data, from the audit trail.

manage.py patient_access_report 6f1c...            (the patient's UUID)
manage.py patient_access_report --mrn 001234 --organization "Springfield Oncology"
"""

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.memberships import memberships_of
from accounts.models import Organization
from audit import context
from audit.models import AuditEntry
from audit.selectors import patient_access_entries
from audit.services import audit_record
from referrals.models import Patient
from referrals.rules.relations import relations_to

COLUMNS = ("time", "actor", "role", "action", "interface", "address", "what")


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a UUID; give the {what}'s UUID.") from None


class Command(BaseCommand):
    help = (
        "Print every audit entry touching one patient and their referrals (time, actor, the "
        "actor's current role, action, interface, client address). Identify the patient by "
        "UUID, or by --mrn with --organization."
    )

    def add_arguments(self, parser):
        parser.add_argument("patient", nargs="?", help="the patient's UUID")
        parser.add_argument("--mrn", help="the patient's MRN at --organization")
        parser.add_argument("--organization", help="the organization's UUID or exact name")

    def handle(self, *args, **options):
        patient = self._find_patient(options)
        self._actors, self._roles = {}, {}
        referrals = {referral.pk: referral for referral in patient.referrals.all()}
        rows = [
            self._row(entry, patient, referrals)
            for entry in patient_access_entries(patient=patient)
        ]
        self.stdout.write(
            f"Access to patient {patient.uuid} (MRN {patient.mrn}, {patient.organization}): "
            f"{len(rows)} entries, oldest first."
        )
        self._write_table(rows)
        token = context.use(context.AuditContext(interface=AuditEntry.Interface.COMMAND))
        try:
            audit_record(
                actor=None,
                action=AuditEntry.Action.EXPORT,
                obj=patient,
                detail="Patient access report produced.",
            )
        finally:
            context.reset(token)

    def _find_patient(self, options) -> Patient:
        patients = Patient.objects.select_related("organization")
        if options["patient"]:
            patient_uuid = _uuid(options["patient"], "patient")
            patient = patients.filter(uuid=patient_uuid).first()
            if patient is None:
                raise CommandError(f"No patient has the UUID {patient_uuid}.")
            return patient
        if not (options["mrn"] and options["organization"]):
            raise CommandError("Give the patient's UUID, or both --mrn and --organization.")
        organization = self._find_organization(options["organization"])
        patient = patients.filter(organization=organization, mrn=options["mrn"]).first()
        if patient is None:
            raise CommandError(f"{organization} has no patient with MRN {options['mrn']!r}.")
        return patient

    @staticmethod
    def _find_organization(value: str) -> Organization:
        try:
            lookup = {"uuid": uuid.UUID(value)}
        except ValueError:
            lookup = {"name": value}
        organization = Organization.objects.filter(**lookup).first()
        if organization is None:
            raise CommandError(f"No organization is {value!r} (give its UUID or exact name).")
        return organization

    def _row(self, entry: AuditEntry, patient: Patient, referrals: dict) -> tuple[str, ...]:
        referral = referrals.get(entry.referral_id)
        what = entry.object_type.rpartition(".")[2] or "-"
        if referral is not None:
            what = f"{what} of {referral.reference or referral.uuid}"
        return (
            timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S %Z"),
            entry.actor_label or entry.get_interface_display().lower(),
            self._role(entry.actor, patient, referral) if entry.actor else "-",
            entry.get_action_display(),
            entry.get_interface_display(),
            entry.client_address or "-",
            what,
        )

    def _role(self, actor, patient: Patient, referral) -> str:
        """The actor's role now, on the referral (or at the patient's organization)."""
        key = (actor.pk, referral.pk if referral else None)
        if key not in self._roles:
            # One user object per actor, so their memberships are read once.
            actor = self._actors.setdefault(actor.pk, actor)
            if referral is not None:
                held = set(relations_to(actor, referral))
            else:
                held = {
                    m.role
                    for m in memberships_of(actor)
                    if m.organization_id == patient.organization_id
                }
            # Coordinators are staff by their membership (the admin is their workspace):
            # "staff" names only those who act through the admin without a role.
            if actor.is_staff and not held:
                held.add("staff")
            self._roles[key] = ", ".join(sorted(held)) or "-"
        return self._roles[key]

    def _write_table(self, rows) -> None:
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
