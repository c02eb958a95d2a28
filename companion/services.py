"""Every change made through the companion page: issue and revoke the patient's link, check
their date of birth (with a lockout of its own), their visit choices, their questions and the
specialist's answers. The rulebook (referrals.rules) decides who may, in which states.
"""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from companion.emails import send_patient_link_email
from companion.models import PatientLink, PatientQuestion
from companion.selectors import link_is_usable, patient_link_expires_at
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import Patient, Referral
from referrals.rules import relations as rel
from referrals.rules.capabilities import ensure_can

PATIENT = "patient"  # the audit trail's actor label for everything the patient does
PATIENT_RELATIONS = frozenset({rel.PATIENT})
WRONG_TRIES_BEFORE_LOCK = 5
LOCK_DURATION = datetime.timedelta(minutes=30)
MAX_QUESTIONS = 10
MAX_FOLLOW_UP_QUESTIONS = 3
MAX_QUESTION_LENGTH = 1000


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def patient_link_url(secret: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/patient/{secret}/"


def demo_secret(referral: Referral) -> str:
    """The demo data's secret for one referral, derived from SECRET_KEY: seed_demo can print a
    working link again without storing it. Only the demo uses this."""
    key = settings.SECRET_KEY.encode()
    message = f"demo-patient-link:{referral.uuid}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:43]


@dataclass(frozen=True)
class IssuedLink:
    link: PatientLink
    url: str  # shown once: only its hash is stored
    expires_at: datetime.datetime | None


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=referral.pk)
    )


@transaction.atomic
def patient_link_issue(
    *, actor, referral: Referral, email: bool = False, secret: str | None = None
) -> IssuedLink:
    """Give the patient a new link (a link issued before stops working); with `email`, send it
    to the patient's address. Raises NotPermitted, Conflict (referral ended), InvalidData
    (e-mail asked for, but the patient has no address)."""
    referral = _lock(referral)
    ensure_can(user=actor, capability="issue_patient_link", referral=referral)
    if email and not referral.patient.email:
        raise InvalidData.for_fields({"email": "The patient has no e-mail address on file."})
    now = timezone.now()
    PatientLink.objects.filter(referral=referral, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    secret = secret or secrets.token_urlsafe(32)
    link = PatientLink.objects.create(
        referral=referral, secret_hash=hash_secret(secret), created_by=actor
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=link, detail="patient link")
    url = patient_link_url(secret)
    if email:
        address = referral.patient.email
        transaction.on_commit(lambda: send_patient_link_email(to=address, url=url))
    return IssuedLink(link=link, url=url, expires_at=patient_link_expires_at(referral))


@transaction.atomic
def patient_link_revoke(*, actor, referral: Referral) -> PatientLink | None:
    """The link stops working at once. Returns the revoked link, None when there was none.
    Raises NotPermitted."""
    referral = _lock(referral)
    ensure_can(user=actor, capability="revoke_patient_link", referral=referral)
    link = (
        PatientLink.objects.select_for_update()
        .filter(referral=referral, revoked_at__isnull=True)
        .first()
    )
    if link is None:
        return None
    link.revoked_at, link.revoked_by = timezone.now(), actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=link,
        changes={"revoked_at": [None, link.revoked_at.isoformat()]},
        detail="patient link revoked",
    )
    return link


def patient_link_find(secret: str) -> PatientLink | None:
    """The usable link with this secret (not revoked, not expired), else None."""
    if not secret or len(secret) > 100:
        return None
    link = (
        PatientLink.objects.select_related(
            "referral__patient",
            "referral__referring_organization",
            "referral__referring_oncologist",
            "referral__receiving_center",
        )
        .filter(secret_hash=hash_secret(secret))
        .first()
    )
    return link if link is not None and link_is_usable(link) else None


class BirthDateCheck(Enum):
    PASSED = "passed"
    WRONG = "wrong"
    LOCKED = "locked"


@transaction.atomic
def patient_link_check_birth_date(
    *, link: PatientLink, date_of_birth: datetime.date | None
) -> BirthDateCheck:
    """The patient proves who they are with their date of birth. After
    WRONG_TRIES_BEFORE_LOCK wrong tries the link is locked for LOCK_DURATION (every try and
    the lock are audited)."""
    link = PatientLink.objects.select_for_update().select_related("referral").get(pk=link.pk)
    now = timezone.now()
    if link.locked_until and link.locked_until > now:
        _audit_patient(link, AuditEntry.Action.DENIED, "patient link locked")
        return BirthDateCheck.LOCKED
    if date_of_birth is not None and date_of_birth == _patient_of(link).date_of_birth:
        link.failed_attempts, link.locked_until = 0, None
        link.save(update_fields=["failed_attempts", "locked_until"])
        _audit_patient(link, AuditEntry.Action.LOGIN, "date of birth checked")
        return BirthDateCheck.PASSED
    link.failed_attempts += 1
    _audit_patient(link, AuditEntry.Action.LOGIN_FAILED, "wrong date of birth")
    if link.failed_attempts >= WRONG_TRIES_BEFORE_LOCK:
        link.failed_attempts, link.locked_until = 0, now + LOCK_DURATION
        _audit_patient(link, AuditEntry.Action.LOCKED_OUT, "patient link locked")
    link.save(update_fields=["failed_attempts", "locked_until"])
    return BirthDateCheck.LOCKED if link.locked_until else BirthDateCheck.WRONG


def patient_page_viewed(*, link: PatientLink) -> None:
    _audit_patient(link, AuditEntry.Action.VIEW, "companion page")


def _patient_of(link: PatientLink) -> Patient:
    return Patient.objects.get(pk=link.referral.patient_id)


def _audit_patient(link: PatientLink, action: str, detail: str, changes=None) -> None:
    audit_record(
        actor=None,
        actor_label=PATIENT,
        action=action,
        obj=link.referral,
        detail=detail,
        changes=changes,
    )


VISIT_FIELDS = (
    "support_person_name",
    "support_person_relation",
    "consent_to_record_consult",
    "interpreter_needed",
)


@transaction.atomic
def visit_preparation_save(*, link: PatientLink, data: dict) -> Patient:
    """The patient names a support person, consents (or not) to the consult being recorded and
    says whether they need an interpreter. Raises Conflict (after the visit), InvalidData."""
    referral = _lock(link.referral)
    ensure_can(
        user=None, capability="prepare_visit", referral=referral, relations=PATIENT_RELATIONS
    )
    unknown = set(data) - set(VISIT_FIELDS)
    if unknown:
        raise InvalidData.for_fields({name: "Unknown field." for name in sorted(unknown)})
    patient = Patient.objects.select_for_update().get(pk=referral.patient_id)
    changed = []
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()[: Patient._meta.get_field(name).max_length]
        if getattr(patient, name) != value:
            setattr(patient, name, value)
            changed.append(name)
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])
        # Which fields changed, not their values: the audit trail needs no names of relatives.
        _audit_patient(
            link,
            AuditEntry.Action.UPDATE,
            "visit preparation",
            changes={name: ["", "(changed)"] for name in changed},
        )
    return patient


@transaction.atomic
def patient_question_ask(*, link: PatientLink, text: str) -> PatientQuestion:
    """The patient writes a question for the specialist: up to MAX_QUESTIONS before the
    recommendation, MAX_FOLLOW_UP_QUESTIONS after the return. Raises Conflict (not in this
    state, or the limit reached), InvalidData (empty or too long)."""
    referral = _lock(link.referral)
    text = (text or "").strip()
    if not text:
        raise InvalidData.for_fields({"text": _("Write your question.")})
    if len(text) > MAX_QUESTION_LENGTH:
        raise InvalidData.for_fields(
            {
                "text": _("Please keep a question under %(limit)s characters.")
                % {"limit": MAX_QUESTION_LENGTH}
            }
        )
    kind, limit = _question_kind(referral)
    if referral.patient_questions.filter(kind=kind).count() >= limit:
        raise Conflict(
            _("You have asked %(limit)s questions, the most this page takes.") % {"limit": limit}
        )
    question = PatientQuestion.objects.create(referral=referral, kind=kind, text=text)
    _audit_patient(link, AuditEntry.Action.CREATE, "patient question")
    return question


def _question_kind(referral: Referral) -> tuple[str, int]:
    for capability, kind, limit in (
        ("ask_patient_question", PatientQuestion.Kind.BEFORE_VISIT, MAX_QUESTIONS),
        ("ask_follow_up_question", PatientQuestion.Kind.FOLLOW_UP, MAX_FOLLOW_UP_QUESTIONS),
    ):
        try:
            ensure_can(
                user=None, capability=capability, referral=referral, relations=PATIENT_RELATIONS
            )
        except (Conflict, NotPermitted):
            continue
        return kind, limit
    raise Conflict(_("Questions cannot be asked here at this stage."))


@transaction.atomic
def patient_question_answer(*, actor, question: PatientQuestion, answer: str) -> PatientQuestion:
    """The assigned specialist answers (or rewrites the answer to) a patient's question.
    Raises NotPermitted, Conflict, InvalidData (empty answer)."""
    referral = _lock(question.referral)
    ensure_can(user=actor, capability="answer_patient_question", referral=referral)
    question = PatientQuestion.objects.select_for_update().get(pk=question.pk)
    answer = (answer or "").strip() if isinstance(answer, str) else ""
    if not answer:
        raise InvalidData.for_fields({"answer": "Write your answer."})
    first = question.answered_at is None
    question.answer, question.answered_by, question.answered_at = answer, actor, timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=question,
        detail="patient question answered" if first else "patient question answer changed",
    )
    return question
