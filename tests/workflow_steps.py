"""The clinical part of a referral's story, through the services, for the tests that tell it."""

from dataclasses import dataclass

from accounts.models import Membership, Organization, User
from referrals.models import Referral
from referrals.services import clinical
from referrals.services.workflow import referral_transition
from tests.factories import CancerCenterFactory, CommunityPracticeFactory, member

Role = Membership.Role
# What the referring oncologist writes on the referral of these stories.
SARCOMA_QUESTION = {
    "cancer_site": "sarcoma",
    "diagnosis": "Undifferentiated pleomorphic sarcoma",
    "reasons": ["complex_diagnosis"],
    "clinical_question": "Is limb-sparing surgery possible after radiation?",
    "local_treatment_plan": "Above-knee amputation.",
}


@dataclass
class CareTeams:
    """A practice and a cancer center, with one person in every role a referral needs."""

    practice: Organization
    center: Organization
    oncologist: User
    coordinator: User
    center_coordinator: User
    specialist: User
    pathologist: User

    @classmethod
    def create(cls) -> "CareTeams":
        practice, center = CommunityPracticeFactory(), CancerCenterFactory()
        return cls(
            practice=practice,
            center=center,
            oncologist=member(practice, Role.REFERRING_ONCOLOGIST),
            coordinator=member(practice, Role.COORDINATOR),
            center_coordinator=member(center, Role.COORDINATOR),
            specialist=member(center, Role.SPECIALIST),
            pathologist=member(center, Role.PATHOLOGIST),
        )


def review_to_follow_up(referral: Referral, teams: CareTeams) -> Referral:
    """From accepted with its records in to monitoring: pathology re-review, consult, signed
    recommendation (with a trial), issued and acknowledged, one progress update answered."""
    center_coordinator, pathologist = teams.center_coordinator, teams.pathologist
    specialist, oncologist = teams.specialist, teams.oncologist
    review = clinical.pathology_review_request(
        actor=center_coordinator, referral=referral, pathologist=pathologist
    )
    referral = referral_transition(
        referral=referral, actor=center_coordinator, action="start_review"
    )
    clinical.pathology_review_update(
        actor=pathologist,
        review=review,
        data={
            "specimens_reviewed": "6 H&E slides",
            "original_diagnosis": "UPS",
            "review_diagnosis": "Myxofibrosarcoma, high grade",
            "discrepancy": "major",
        },
        sign=True,
    )
    clinical.consultation_save(
        actor=specialist,
        referral=referral,
        data={"completed_at": referral.review_started_at},
    )
    clinical.recommendation_save(
        actor=specialist,
        referral=referral,
        data={
            "concordance": "modifies",
            "summary": "Preoperative radiation, then wide excision.",
            "clinical_trials": ["nct01234567"],
            "specialist_follows": True,
            "update_interval_days": 30,
        },
        sign=True,
    )
    for actor, action in [
        (specialist, "issue_recommendation"),
        (oncologist, "acknowledge_return"),
        (specialist, "start_monitoring"),
    ]:
        referral = referral_transition(referral=referral, actor=actor, action=action)
    update = clinical.progress_update_create(
        actor=oncologist, referral=referral, data={"response": "responding", "question": "Dose?"}
    )
    clinical.progress_update_reply(actor=specialist, update=update, advice="Keep the dose.")
    return referral
