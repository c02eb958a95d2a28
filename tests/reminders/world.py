"""A practice and a cancer center with everyone who receives reminders, and late referrals."""

import datetime
import itertools
from dataclasses import dataclass

from accounts.models import Membership, Organization, User
from referrals.models import RecordItem, Referral
from tests.factories import (
    CancerCenterFactory,
    CommunityPracticeFactory,
    PatientFactory,
    member,
    referral_in_state,
)

Role = Membership.Role
Status = Referral.Status

# Patient details that cannot occur in an e-mail by chance (no month names, no common words).
_numbers = itertools.count(1)

DUE_FIELD = {
    Status.SUBMITTED: "triage_due",
    Status.ACCEPTED: "records_due",
    Status.UNDER_REVIEW: "recommendation_due",
    Status.RECOMMENDATION_ISSUED: "return_due",
    Status.MONITORING: "next_update_due",
    Status.CLOSED: "return_due",
}


@dataclass
class Clinic:
    practice: Organization
    center: Organization
    practice_coordinator: User
    center_coordinator: User
    lead_coordinator: User
    oncologist: User
    specialist: User

    @classmethod
    def create(cls) -> "Clinic":
        practice, center = CommunityPracticeFactory(), CancerCenterFactory()
        lead = member(center, Role.COORDINATOR, full_name="Lead Coordinator")
        center.lead_coordinator = lead
        center.save()
        return cls(
            practice=practice,
            center=center,
            practice_coordinator=member(practice, Role.COORDINATOR),
            center_coordinator=member(center, Role.COORDINATOR),
            lead_coordinator=lead,
            oncologist=member(practice, Role.REFERRING_ONCOLOGIST),
            specialist=member(center, Role.SPECIALIST),
        )

    def late_referral(
        self, status: str, *, due: datetime.date, records_complete: bool = False
    ) -> Referral:
        """A referral in `status` whose current step was due on `due`."""
        number = next(_numbers)
        patient = PatientFactory(
            organization=self.practice,
            given_name=f"Zebulonia{number}",
            family_name=f"Quackenbosch{number}",
            mrn=f"ZQMRN{number:05d}X",
            date_of_birth=datetime.date(1937, 3, 29),
        )
        referral = referral_in_state(
            status,
            patient=patient,
            receiving_center=self.center,
            referring_oncologist=self.oncologist,
            specialist=self.specialist,
        )
        setattr(referral, DUE_FIELD[status], due)
        referral.next_due = due
        referral.save()
        if records_complete:
            referral.record_items.update(status=RecordItem.Status.RECEIVED)
        return referral


def patient_details(referral: Referral) -> list[str]:
    """Every patient detail that must never appear in an e-mail, in the forms it could take."""
    patient = referral.patient
    born = patient.date_of_birth
    return [
        patient.given_name,
        patient.family_name,
        patient.mrn,
        born.isoformat(),
        born.strftime("%m/%d/%Y"),
        born.strftime("%B %-d, %Y"),
        born.strftime("%b. %-d, %Y"),
        str(born.year),
    ]
