"""The referrals app's data, one module per concern; everything is importable from here."""

from referrals.models.clinical import (
    Consultation,
    ConsultationAppointment,
    ConsultationAttendance,
    PathologyReview,
    PathologyReviewDiscrepancy,
    ProgressUpdate,
    ProgressUpdateFollowed,
    ProgressUpdateResponse,
    Recommendation,
    RecommendationConcordance,
)
from referrals.models.common import NCT_PATTERN, nct_validator
from referrals.models.events import ReferralEvent, ReferralEventKind
from referrals.models.external import ExternalIdentifier
from referrals.models.information import InformationRequest, InformationRequestReason
from referrals.models.patients import Patient, PatientSex
from referrals.models.records import (
    RecordAttachment,
    RecordItem,
    RecordItemKind,
    RecordItemStatus,
    attachment_upload_to,
)
from referrals.models.referral import (
    CancelReasonCode,
    DeclineReasonCode,
    ReferenceSequence,
    Referral,
    ReferralInitiatedBy,
    ReferralModality,
    ReferralReason,
    ReferralStatus,
    ReferralUrgency,
)

__all__ = [
    "NCT_PATTERN",
    "CancelReasonCode",
    "Consultation",
    "ExternalIdentifier",
    "InformationRequest",
    "InformationRequestReason",
    "ConsultationAppointment",
    "ConsultationAttendance",
    "DeclineReasonCode",
    "PathologyReview",
    "PathologyReviewDiscrepancy",
    "Patient",
    "PatientSex",
    "ProgressUpdate",
    "ProgressUpdateFollowed",
    "ProgressUpdateResponse",
    "Recommendation",
    "RecommendationConcordance",
    "RecordAttachment",
    "RecordItem",
    "RecordItemKind",
    "RecordItemStatus",
    "ReferenceSequence",
    "Referral",
    "ReferralEvent",
    "ReferralEventKind",
    "ReferralInitiatedBy",
    "ReferralModality",
    "ReferralReason",
    "ReferralStatus",
    "ReferralUrgency",
    "attachment_upload_to",
    "nct_validator",
]
