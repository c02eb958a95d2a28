"""The expert center's clinical work: pathology re-review, recommendation, follow-up (the
consult: referrals.services.consultations)."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from audit.services import audit_record, field_changes
from core.limits import limit
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import (
    PathologyReview,
    ProgressUpdate,
    Recommendation,
    Referral,
    nct_validator,
)
from referrals.rules.capabilities import ensure_can
from referrals.rules.workflow import ready_to_sign_recommendation, recommendation_in_force
from referrals.services.common import parse_uuid, record_event
from referrals.services.consultations import (  # noqa: F401 (interfaces import them here)
    CONSULTATION_FIELDS,
    consultation_save,
)
from referrals.services.validation import apply, reject_unknown, validate_model
from referrals.validation.dates import referral_day_errors

PATHOLOGY_FIELDS = frozenset(
    {
        "specimens_reviewed",
        "original_diagnosis",
        "review_diagnosis",
        "discrepancy",
        "additional_tests",
        "comments",
    }
)
PATHOLOGY_REQUIRED_TO_SIGN = ("specimens_reviewed", "review_diagnosis", "discrepancy")
# In the order a reader meets them (the admin shows them so); the services only test
# membership.
RECOMMENDATION_FIELDS = (
    "concordance",
    "summary",
    "patient_summary",
    "treatment_options",
    "further_testing",
    "clinical_trials",
    "third_opinion_suggested",
    "specialist_follows",
    "update_interval_days",
    "amendment_reason",
)
PROGRESS_FIELDS = frozenset(
    {
        "update_date",
        "current_treatment",
        "response",
        "recommendation_followed",
        "recommendation_followed_reason",
        "note",
        "question",
    }
)


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)


# Pathology re-review


@transaction.atomic
def pathology_review_request(
    *, actor: User, referral: Referral, pathologist: User | str
) -> PathologyReview:
    """The center coordinator asks a pathologist of the center for a re-review.

    Raises NotPermitted, Conflict (not accepted or under review), InvalidData (not a
    pathologist of this center).
    """
    referral = _lock(referral)
    ensure_can(user=actor, capability="request_pathology_review", referral=referral)
    if not isinstance(pathologist, User):
        pathologist = User.objects.filter(uuid=parse_uuid(pathologist, "pathologist")).first()
    if (
        pathologist is None
        or not Membership.objects.filter(
            user=pathologist,
            organization_id=referral.receiving_center_id,
            role=Membership.Role.PATHOLOGIST,
        ).exists()
    ):
        raise InvalidData.for_fields({"pathologist": "Choose a pathologist of this center."})
    if referral.pathology_reviews.filter(pathologist=pathologist, signed_at__isnull=True).exists():
        raise InvalidData.for_fields(
            {"pathologist": "This pathologist already has an open review of this referral."}
        )
    review = PathologyReview.objects.create(
        referral=referral, pathologist=pathologist, requested_by=actor
    )
    record_event(
        referral=referral,
        actor=actor,
        kind="pathology_requested",
        data={"review": str(review.uuid), "pathologist": str(pathologist.uuid)},
    )
    audit_record(actor=actor, action="create", obj=review)
    return review


@transaction.atomic
def pathology_review_update(
    *, actor: User, review: PathologyReview, data: dict, sign: bool = False
) -> PathologyReview:
    """The named pathologist fills in the review and, with `sign`, signs it (final).

    Raises NotPermitted (not the named pathologist), Conflict (already signed, or the
    referral not under review), InvalidData (missing diagnosis or discrepancy to sign).
    """
    reject_unknown(data, PATHOLOGY_FIELDS, why="Unknown field.")
    review = (
        PathologyReview.objects.select_for_update().select_related("referral").get(pk=review.pk)
    )
    if review.pathologist_id != actor.pk:
        raise NotPermitted("Only the pathologist named on the review fills it in.")
    ensure_can(user=actor, capability="fill_pathology_review", referral=review.referral)
    if review.is_signed:
        raise Conflict("A signed pathology review cannot be changed.")
    before = apply(review, data, PATHOLOGY_FIELDS)
    if sign:
        missing = {
            name: "Required to sign."
            for name in PATHOLOGY_REQUIRED_TO_SIGN
            if not getattr(review, name)
        }
        if missing:
            raise InvalidData.for_fields(missing, "Complete the review before signing it.")
        review.signed_at = timezone.now()
        review.signed_by = actor
        before["signed_at"] = None
    validate_model(review)
    review.save()
    changes = field_changes(before, {name: getattr(review, name) for name in before})
    if sign:
        record_event(
            referral=review.referral,
            actor=actor,
            kind="pathology_signed",
            data={"review": str(review.uuid), "discrepancy": review.discrepancy},
        )
    audit_record(actor=actor, action="update", obj=review, changes=changes)
    return review


# Recommendation


def validated_trials(trials) -> list[str]:
    """The NCT identifiers, upper-cased and without repeats. Raises InvalidData."""
    if not isinstance(trials, list):
        raise InvalidData.for_fields({"clinical_trials": "Give a list of NCT identifiers."})
    if len(trials) > limit("clinical_trials"):
        raise InvalidData.for_fields(
            {"clinical_trials": f"Name at most {limit('clinical_trials')} trials."}
        )
    cleaned = []
    for trial in trials:
        value = str(trial).strip().upper()
        try:
            nct_validator(value)
        except Exception:
            raise InvalidData.for_fields(
                {"clinical_trials": f"{trial!r} is not an NCT identifier (NCT and 8 digits)."}
            ) from None
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


@transaction.atomic
def recommendation_save(
    *, actor: User, referral: Referral, data: dict, sign: bool = False
) -> Recommendation:
    """Write or edit the draft recommendation; `sign` signs it, superseding the version in force.

    Before the first signature this edits the one draft; after it, the first save opens an
    amendment (a new version) that needs `amendment_reason`.
    Raises NotPermitted (not the assigned specialist), Conflict (wrong state), InvalidData.
    """
    reject_unknown(data, RECOMMENDATION_FIELDS, why="Unknown field.")
    referral = _lock(referral)
    in_force = recommendation_in_force(referral)
    capability = "amend_recommendation" if in_force else "write_recommendation"
    ensure_can(user=actor, capability=capability, referral=referral)
    draft = referral.recommendations.filter(signed_at__isnull=True).first()
    if draft is None:
        draft = _new_version(referral, actor, in_force)
    data = dict(data)
    if "clinical_trials" in data:
        data["clinical_trials"] = validated_trials(data["clinical_trials"])
    before = apply(draft, data, RECOMMENDATION_FIELDS)
    if not draft.specialist_follows:
        draft.update_interval_days = None
    if draft.version > 1 and not draft.amendment_reason.strip():
        raise InvalidData.for_fields(
            {"amendment_reason": "Say why the signed recommendation is amended."}
        )
    if draft.specialist_follows and not draft.update_interval_days:
        raise InvalidData.for_fields(
            {"update_interval_days": "How often (in days) should progress updates come?"}
        )
    validate_model(draft, exclude=["referral", "author"])
    now = timezone.now()
    if sign:
        unmet = ready_to_sign_recommendation(referral, draft)
        if unmet:
            raise InvalidData.for_fields(
                unmet, "The recommendation cannot be signed yet: " + "; ".join(unmet.values()) + "."
            )
        if in_force is not None:
            in_force.superseded_at = now
            in_force.save(update_fields=["superseded_at"])
        draft.signed_at = now
    draft.save()
    changes = field_changes(before, {name: getattr(draft, name) for name in before})
    if sign:
        record_event(
            referral=referral,
            actor=actor,
            kind="recommendation_amended" if in_force else "recommendation_signed",
            note=draft.amendment_reason if in_force else "",
            data={
                "version": draft.version,
                "concordance": draft.concordance,
                "clinical_trials": draft.clinical_trials,
            },
        )
        _follow_up_after_amendment(referral, draft)
    audit_record(
        actor=actor, action="update", obj=draft, changes=changes, detail="signed" if sign else ""
    )
    return draft


def _new_version(referral: Referral, actor: User, in_force: Recommendation | None):
    if in_force is None:
        return Recommendation(referral=referral, author=actor, version=1)
    copied = {name: getattr(in_force, name) for name in RECOMMENDATION_FIELDS}
    copied["amendment_reason"] = ""
    return Recommendation(referral=referral, author=actor, version=in_force.version + 1, **copied)


def _follow_up_after_amendment(referral: Referral, recommendation: Recommendation) -> None:
    """An amendment that changes the follow-up interval moves the next update's due date."""
    if referral.status != Referral.Status.MONITORING or not recommendation.specialist_follows:
        return
    last = referral.progress_updates.order_by("-update_date").first()
    start = last.update_date if last else timezone.localdate(referral.monitoring_started_at)
    referral.next_update_due = start + datetime.timedelta(days=recommendation.update_interval_days)
    referral.next_due = referral.next_update_due
    referral.save(update_fields=["next_update_due", "next_due", "updated_at"])


# Progress updates


def recommendation_followed_errors(update: ProgressUpdate) -> dict[str, str]:
    """Every new update says whether the recommendation is followed, and why not when it is
    not (fully): partly, no, not yet (DESIGN §1)."""
    followed = update.recommendation_followed
    update.recommendation_followed_reason = (update.recommendation_followed_reason or "").strip()
    if followed not in ProgressUpdate.Followed.values:
        choices = ", ".join(ProgressUpdate.Followed.values)
        return {"recommendation_followed": f"Say whether it is followed: {choices}."}
    if followed != ProgressUpdate.Followed.YES and not update.recommendation_followed_reason:
        return {
            "recommendation_followed_reason": "Say why the recommendation is not followed "
            "(or not yet, or only partly)."
        }
    return {}


@transaction.atomic
def progress_update_create(*, actor: User, referral: Referral, data: dict) -> ProgressUpdate:
    """The local side reports on treatment after the return. Raises NotPermitted, Conflict,
    InvalidData."""
    reject_unknown(data, PROGRESS_FIELDS, why="Unknown field.")
    referral = _lock(referral)
    ensure_can(user=actor, capability="post_progress_update", referral=referral)
    update = ProgressUpdate(referral=referral, author=actor, **data)
    problems = referral_day_errors(
        update.update_date, referral_created=referral.created_at, field="update_date"
    ) | recommendation_followed_errors(update)
    if problems:
        raise InvalidData.for_fields(problems)
    validate_model(update, exclude=["referral", "author"])
    update.save()
    if referral.status == Referral.Status.MONITORING:
        recommendation = recommendation_in_force(referral)
        if recommendation and recommendation.update_interval_days:
            referral.next_update_due = update.update_date + datetime.timedelta(
                days=recommendation.update_interval_days
            )
            referral.next_due = referral.next_update_due
            referral.save(update_fields=["next_update_due", "next_due", "updated_at"])
    record_event(
        referral=referral,
        actor=actor,
        kind="progress_update",
        data={
            "update": str(update.uuid),
            "response": update.response,
            "recommendation_followed": update.recommendation_followed,
        },
    )
    audit_record(actor=actor, action="create", obj=update)
    return update


@transaction.atomic
def progress_update_reply(*, actor: User, update: ProgressUpdate, advice: str) -> ProgressUpdate:
    """The assigned specialist answers a progress update, once.

    Raises NotPermitted, Conflict (already answered), InvalidData (empty advice).
    """
    update = ProgressUpdate.objects.select_for_update().select_related("referral").get(pk=update.pk)
    ensure_can(user=actor, capability="reply_to_update", referral=update.referral)
    if update.advice_at is not None:
        raise Conflict("This update has already been answered.")
    advice = (advice or "").strip() if isinstance(advice, str) else ""
    if not advice:
        raise InvalidData.for_fields({"advice": "Write your advice."})
    update.advice, update.advice_by, update.advice_at = advice, actor, timezone.now()
    update.save(update_fields=["advice", "advice_by", "advice_at"])
    record_event(
        referral=update.referral, actor=actor, kind="advice", data={"update": str(update.uuid)}
    )
    audit_record(
        actor=actor, action="update", obj=update, changes={"advice": [None, "(reply written)"]}
    )
    return update
