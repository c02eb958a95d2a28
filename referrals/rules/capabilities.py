"""Named capabilities beyond the workflow's transitions: who (which relation to the referral)
may do what, in which states (STYLE §2). Deny by default: what no row grants is refused.

Services call `ensure_can(...)`; interfaces ask `capabilities_for(user, referral)` once per
page or response and offer exactly what it grants. Adding a capability, or a relation to an
existing one, is adding a row to GRANTS.
"""

from dataclasses import dataclass

from referrals.errors import Conflict, NotPermitted
from referrals.models import RecordItem, Referral
from referrals.rules import relations as rel
from referrals.rules.relations import relations_to
from referrals.rules.states import (
    ACTIVE_STATES,
    AFTER_RECOMMENDATION,
    AFTER_RETURN,
    FINAL_STATES,
    OPEN_STATES,
    REVIEW_STATES,
)

Status = Referral.Status
RecordStatus = RecordItem.Status
ANY_KIND = frozenset(RecordItem.Kind.values)
PATHOLOGY_KINDS = frozenset(
    {RecordItem.Kind.PATHOLOGY_REPORT, *RecordItem.PHYSICAL_KINDS, RecordItem.Kind.MOLECULAR_REPORT}
)
PHYSICAL_KINDS = frozenset(RecordItem.PHYSICAL_KINDS)

CLINICAL_FIELDS = frozenset(
    {
        "cancer_site",
        "diagnosis",
        "stage",
        "diagnosis_date",
        "reasons",
        "clinical_question",
        "local_treatment_plan",
        "no_local_plan_yet",
        "initiated_by",
        "urgency",
        "modality",
    }
)
DRAFT_FIELDS = CLINICAL_FIELDS | {"receiving_center", "referring_oncologist"}
# The local team's plan (what concordance is judged against) may change while the referral
# can be edited at all.
LOCAL_PLAN_FIELDS = frozenset({"local_treatment_plan", "no_local_plan_yet"})

EDITORS = rel.REFERRING_SIDE | {rel.CENTER_COORDINATOR}


@dataclass(frozen=True)
class Grant:
    """One row: `relations` may use `capability` while the referral is in one of `states`.

    `fields`: for edit_referral, the fields editable. `change` and `kinds`: for
    change_record_status, the record status change (from, to) and the kinds of record.
    """

    capability: str
    relations: frozenset[str]
    states: frozenset[str]
    fields: frozenset[str] = frozenset()
    change: tuple[str, str] | None = None
    kinds: frozenset[str] = ANY_KIND


def _grant(capability, relations, states, **scope) -> Grant:
    return Grant(capability, frozenset(relations), frozenset(states), **scope)


def _record_change(relations, states, source, target, kinds=ANY_KIND) -> Grant:
    return _grant("change_record_status", relations, states, change=(source, target), kinds=kinds)


GRANTS: tuple[Grant, ...] = (
    # The referral's own fields, per state.
    _grant("edit_referral", rel.REFERRING_SIDE, {Status.DRAFT}, fields=DRAFT_FIELDS),
    _grant(
        "edit_referral",
        EDITORS,
        {Status.SUBMITTED},
        fields={"clinical_question", "stage", "urgency", "modality", *LOCAL_PLAN_FIELDS},
    ),
    _grant(
        "edit_referral",
        EDITORS,
        {Status.ACCEPTED},
        fields={"urgency", "modality", *LOCAL_PLAN_FIELDS},
    ),
    _grant(
        "edit_referral", EDITORS, {Status.UNDER_REVIEW}, fields={"modality", *LOCAL_PLAN_FIELDS}
    ),
    # The record checklist.
    _grant("add_record", rel.REFERRING_SIDE, {Status.DRAFT}),
    _grant("add_record", rel.COORDINATORS, ACTIVE_STATES),
    _grant("change_record_requirement", rel.REFERRING_SIDE, {Status.DRAFT}),
    _grant("change_record_requirement", rel.COORDINATORS, ACTIVE_STATES),
    # Description and tracking details: the sending side, and coordinators.
    _grant("edit_record_details", rel.REFERRING_SIDE, {Status.DRAFT, *ACTIVE_STATES}),
    _grant("edit_record_details", {rel.CENTER_COORDINATOR}, ACTIVE_STATES | AFTER_RECOMMENDATION),
    _record_change(rel.REFERRING_SIDE, ACTIVE_STATES, RecordStatus.REQUESTED, RecordStatus.SENT),
    *(
        _record_change(relations, ACTIVE_STATES, source, RecordStatus.RECEIVED, kinds)
        for source in (RecordStatus.REQUESTED, RecordStatus.SENT)
        for relations, kinds in (
            ({rel.CENTER_COORDINATOR, rel.ASSIGNED_SPECIALIST}, ANY_KIND),
            ({rel.ASSIGNED_PATHOLOGIST}, PATHOLOGY_KINDS),
        )
    ),
    # Physical material goes back to the originating lab (chain of custody), also after the
    # recommendation and once the referral is over (returned, closed, cancelled, forwarded):
    # on a final referral this is the one change left.
    _record_change(
        rel.CENTER_SIDE,
        ACTIVE_STATES | AFTER_RECOMMENDATION | FINAL_STATES,
        RecordStatus.RECEIVED,
        RecordStatus.RETURNED,
        PHYSICAL_KINDS,
    ),
    _record_change(rel.COORDINATORS, ACTIVE_STATES, RecordStatus.REQUESTED, RecordStatus.WAIVED),
    _record_change(rel.COORDINATORS, ACTIVE_STATES, RecordStatus.SENT, RecordStatus.WAIVED),
    _record_change(rel.COORDINATORS, ACTIVE_STATES, RecordStatus.WAIVED, RecordStatus.REQUESTED),
    _grant("attach_file", rel.REFERRING_SIDE, {Status.DRAFT, *ACTIVE_STATES}),
    _grant("attach_file", rel.CENTER_SIDE, ACTIVE_STATES),
    # The expert center's clinical work.
    _grant("request_pathology_review", {rel.CENTER_COORDINATOR}, REVIEW_STATES),
    _grant("fill_pathology_review", {rel.ASSIGNED_PATHOLOGIST}, REVIEW_STATES),
    _grant("arrange_consult", {rel.CENTER_COORDINATOR, rel.ASSIGNED_SPECIALIST}, REVIEW_STATES),
    _grant("write_recommendation", {rel.ASSIGNED_SPECIALIST}, {Status.UNDER_REVIEW}),
    _grant(
        "amend_recommendation",
        {rel.ASSIGNED_SPECIALIST},
        {Status.UNDER_REVIEW, *AFTER_RECOMMENDATION},
    ),
    # Follow-up after the return.
    _grant("post_progress_update", rel.REFERRING_SIDE, AFTER_RETURN),
    _grant("reply_to_update", {rel.ASSIGNED_SPECIALIST}, AFTER_RETURN | {Status.CLOSED}),
    _grant("request_next_opinion", rel.REFERRING_SIDE, AFTER_RECOMMENDATION | {Status.CLOSED}),
    # Nudging whoever's turn it is (the step of referrals.rules.steps).
    _grant(
        "send_reminder_now",
        rel.COORDINATORS,
        {
            Status.SUBMITTED,
            Status.ACCEPTED,
            Status.UNDER_REVIEW,
            Status.RECOMMENDATION_ISSUED,
            Status.MONITORING,
        },
    ),
    # The patient's companion page (DESIGN §3): the referring side issues and revokes the link;
    # the patient prepares the visit and asks questions; the specialist answers them.
    _grant("issue_patient_link", rel.REFERRING_SIDE, OPEN_STATES),
    _grant("revoke_patient_link", rel.REFERRING_SIDE, OPEN_STATES | FINAL_STATES),
    _grant("prepare_visit", {rel.PATIENT}, {Status.DRAFT, *ACTIVE_STATES}),
    _grant("ask_patient_question", {rel.PATIENT}, {Status.DRAFT, *ACTIVE_STATES}),
    _grant("ask_follow_up_question", {rel.PATIENT}, AFTER_RETURN),
    _grant(
        "answer_patient_question",
        {rel.ASSIGNED_SPECIALIST},
        ACTIVE_STATES | AFTER_RECOMMENDATION,
    ),
)

CAPABILITIES = tuple(dict.fromkeys(grant.capability for grant in GRANTS))

# What a refusal says: (not this user's to do, not in this state).
REFUSALS: dict[str, tuple[str, str]] = {
    "edit_referral": ("You may not edit this referral.", "This referral can no longer be edited."),
    "add_record": (
        "You may not add records to this referral.",
        "Records can no longer be added to this referral.",
    ),
    "change_record_requirement": (
        "Only coordinators change what is required.",
        "What is required can no longer be changed on this referral.",
    ),
    "edit_record_details": (
        "You may not change this record's details.",
        "Records cannot change while the referral is in this state.",
    ),
    "change_record_status": (
        "This status change is made by the other side of the referral.",
        "Records cannot change while the referral is in this state.",
    ),
    "attach_file": (
        "You may not attach files to this referral.",
        "Files can no longer be attached to this referral.",
    ),
    "request_pathology_review": (
        "Only the center's coordinators request pathology reviews.",
        "Pathology reviews are requested once the referral is accepted.",
    ),
    "fill_pathology_review": (
        "Only the pathologist named on the review fills it in.",
        "The referral is no longer under review.",
    ),
    "arrange_consult": (
        "Only the center coordinator or the assigned specialist arrange the consult.",
        "The consult is arranged while the referral is accepted or under review.",
    ),
    "write_recommendation": (
        "Only the assigned specialist writes the recommendation.",
        "The recommendation is written while the referral is under review.",
    ),
    "amend_recommendation": (
        "Only the assigned specialist writes the recommendation.",
        "This referral's recommendation can no longer be amended.",
    ),
    "post_progress_update": (
        "Progress updates come from the referring side.",
        "Progress updates are posted after the recommendation is returned.",
    ),
    "reply_to_update": (
        "Only the assigned specialist replies to progress updates.",
        "Progress updates are answered while the referral is followed.",
    ),
    "request_next_opinion": (
        "Only the referring side may ask for another opinion.",
        "Another opinion can be requested once the recommendation is issued.",
    ),
    "send_reminder_now": (
        "Only coordinators send reminders.",
        "The referral waits on nobody in this state.",
    ),
    "issue_patient_link": (
        "Only the referring side gives the patient a link.",
        "A patient link is given while the referral is open.",
    ),
    "revoke_patient_link": (
        "Only the referring side revokes the patient's link.",
        "The patient's link cannot be revoked now.",
    ),
    "prepare_visit": (
        "Only the patient prepares their visit here.",
        "The visit is over: these choices can no longer be changed here.",
    ),
    "ask_patient_question": (
        "Only the patient asks questions here.",
        "Questions for the specialist are asked before the recommendation.",
    ),
    "ask_follow_up_question": (
        "Only the patient asks questions here.",
        "Follow-up questions are asked once the recommendation is back with your doctor.",
    ),
    "answer_patient_question": (
        "Only the assigned specialist answers the patient's questions.",
        "The patient's questions can no longer be answered on this referral.",
    ),
}
assert set(REFUSALS) == set(CAPABILITIES), "every capability says why it is refused"


@dataclass(frozen=True)
class Capabilities:
    """What one user may do on one referral now: read once per page or response."""

    relations: frozenset[str]
    grants: tuple[Grant, ...]

    def __contains__(self, capability: str) -> bool:
        return any(grant.capability == capability for grant in self.grants)

    @property
    def names(self) -> list[str]:
        return [name for name in CAPABILITIES if name in self]

    @property
    def editable_fields(self) -> frozenset[str]:
        fields = set()
        for grant in self.grants:
            if grant.capability == "edit_referral":
                fields |= grant.fields
        return frozenset(fields)

    def record_status_changes(self, item: RecordItem) -> list[str]:
        """The statuses this user may move this record item to now."""
        return [
            grant.change[1]
            for grant in self.grants
            if grant.capability == "change_record_status"
            and grant.change[0] == item.status
            and item.kind in grant.kinds
        ]


def capabilities_for(user, referral: Referral, *, relations=None) -> Capabilities:
    if relations is None:
        relations = relations_to(user, referral)
    granted = tuple(
        grant for grant in GRANTS if referral.status in grant.states and grant.relations & relations
    )
    return Capabilities(relations=frozenset(relations), grants=granted)


def _matches(grant: Grant, *, change, kind) -> bool:
    if change is not None and grant.change != change:
        return False
    return kind is None or kind in grant.kinds


def ensure_can(
    *,
    user,
    capability: str,
    referral: Referral,
    change: tuple[str, str] | None = None,
    kind: str | None = None,
    relations: frozenset[str] | None = None,
) -> frozenset[str]:
    """Refuse unless a row grants `capability` to the user's relation in the referral's state.

    For change_record_status, `change` is (from, to) and `kind` the record's kind. Returns
    the user's relations. Raises NotPermitted (no row for the user's relations) and Conflict
    (rows for them, but not in this state).
    """
    if capability not in REFUSALS:
        raise ValueError(f"Unknown capability {capability!r}")
    if relations is None:
        relations = relations_to(user, referral)
    rows = [
        grant
        for grant in GRANTS
        if grant.capability == capability and _matches(grant, change=change, kind=kind)
    ]
    not_yours, not_now = REFUSALS[capability]
    mine = [grant for grant in rows if grant.relations & relations]
    if not mine:
        raise NotPermitted(not_yours)
    if not any(referral.status in grant.states for grant in mine):
        raise Conflict(not_now, status=referral.status)
    return frozenset(relations)
