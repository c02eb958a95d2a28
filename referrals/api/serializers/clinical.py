from rest_framework import serializers

from core.limits import limit
from referrals.api.serializers.common import (
    StrictInputSerializer,
    object_id,
    optional_text,
    related_id,
)
from referrals.models import (
    Consultation,
    ConsultationAppointment,
    PathologyReview,
    ProgressUpdate,
    Recommendation,
    Referral,
)
from referrals.models.clinical import UPDATE_INTERVAL_MAX_DAYS, UPDATE_INTERVAL_MIN_DAYS
from referrals.services.clinical import (
    CONSULTATION_FIELDS,
    PATHOLOGY_FIELDS,
    RECOMMENDATION_FIELDS,
)


class PathologyReviewSerializer(serializers.ModelSerializer):
    id = object_id()
    referral = related_id("referral")
    pathologist = related_id("pathologist")
    requested_by = related_id("requested_by")
    signed_by = related_id("signed_by")

    class Meta:
        model = PathologyReview
        fields = [
            "id",
            "referral",
            "pathologist",
            "requested_by",
            "requested_at",
            *sorted(PATHOLOGY_FIELDS),
            "signed_at",
            "signed_by",
        ]


class PathologyReviewRequestSerializer(StrictInputSerializer):
    pathologist = serializers.UUIDField(help_text="A pathologist of the receiving center.")


class PathologyReviewUpdateSerializer(StrictInputSerializer):
    specimens_reviewed = optional_text()
    original_diagnosis = optional_text()
    review_diagnosis = optional_text()
    discrepancy = serializers.ChoiceField(
        choices=PathologyReview.Discrepancy.choices, required=False
    )
    additional_tests = optional_text()
    comments = optional_text()
    sign = serializers.BooleanField(
        required=False, default=False, help_text="Sign the review (final)."
    )


class EarlierAppointmentSerializer(serializers.ModelSerializer):
    """An appointment that did not take place (no-show, cancelled by the patient,
    rescheduled), kept as it was."""

    id = object_id()
    recorded_by = related_id("recorded_by")

    class Meta:
        model = ConsultationAppointment
        fields = [
            "id",
            "modality",
            "scheduled_for",
            "join_link",
            "place",
            "attendance",
            "recorded_by",
            "recorded_at",
        ]


class ConsultationSerializer(serializers.ModelSerializer):
    id = object_id()
    referral = related_id("referral")
    earlier_appointments = EarlierAppointmentSerializer(many=True, read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "referral",
            *sorted(CONSULTATION_FIELDS),
            "reschedule_due",
            "earlier_appointments",
            "updated_at",
        ]


class ConsultationInputSerializer(StrictInputSerializer):
    """Schedule or record the consult; fields left out keep their value."""

    modality = serializers.ChoiceField(choices=Referral.Modality.choices, required=False)
    scheduled_for = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="A new time for an appointment that did not take place keeps the earlier "
        "one in earlier_appointments.",
    )
    join_link = serializers.URLField(
        required=False, allow_blank=True, max_length=500, help_text="Virtual: how to join."
    )
    place = optional_text(max_length=200, help_text="In person: where to come.")
    attendance = serializers.ChoiceField(
        choices=Consultation.Attendance.choices,
        required=False,
        help_text="attended (sets completed_at), no_show (the center coordinator is reminded "
        "to reschedule), cancelled_by_patient; rescheduled goes with a new scheduled_for.",
    )
    completed_at = serializers.DateTimeField(required=False, allow_null=True)
    support_person_present = serializers.BooleanField(required=False)
    recording_consented = serializers.BooleanField(required=False)
    notes = optional_text()


class RecommendationSerializer(serializers.ModelSerializer):
    id = object_id()
    referral = related_id("referral")
    author = related_id("author")
    clinical_trials = serializers.ListField(child=serializers.CharField())
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "referral",
            "version",
            "author",
            *sorted(RECOMMENDATION_FIELDS),
            "created_at",
            "signed_at",
            "superseded_at",
            "in_force",
        ]


class RecommendationStateSerializer(serializers.Serializer):
    """The version in force, the draft being written (only for its author) and the history of
    signed versions, newest first; beside them the local plan their concordance is judged
    against."""

    local_treatment_plan = serializers.CharField()
    no_local_plan_yet = serializers.BooleanField()

    in_force = RecommendationSerializer(allow_null=True)
    draft = RecommendationSerializer(allow_null=True)
    history = RecommendationSerializer(many=True)


class RecommendationInputSerializer(StrictInputSerializer):
    concordance = serializers.ChoiceField(
        choices=Recommendation.Concordance.choices, required=False
    )
    summary = optional_text()
    patient_summary = optional_text(
        help_text="For the patient, in plain words; required to sign when they have a link."
    )
    treatment_options = optional_text()
    further_testing = optional_text()
    clinical_trials = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=limit("clinical_trials"),
        help_text="ClinicalTrials.gov identifiers: NCT and 8 digits.",
    )
    third_opinion_suggested = serializers.BooleanField(required=False)
    specialist_follows = serializers.BooleanField(required=False)
    update_interval_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=UPDATE_INTERVAL_MIN_DAYS,
        max_value=UPDATE_INTERVAL_MAX_DAYS,
    )
    amendment_reason = optional_text(help_text="Required for a change after signing.")
    sign = serializers.BooleanField(
        required=False, default=False, help_text="Sign this version (it becomes final)."
    )


class ProgressUpdateSerializer(serializers.ModelSerializer):
    id = object_id()
    referral = related_id("referral")
    author = related_id("author")
    advice_by = related_id("advice_by")

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "referral",
            "author",
            "update_date",
            "current_treatment",
            "response",
            "recommendation_followed",
            "recommendation_followed_reason",
            "note",
            "question",
            "created_at",
            "advice",
            "advice_by",
            "advice_at",
        ]


class ProgressUpdateInputSerializer(StrictInputSerializer):
    update_date = serializers.DateField(required=False)
    current_treatment = optional_text()
    response = serializers.ChoiceField(choices=ProgressUpdate.Response.choices, required=False)
    recommendation_followed = serializers.ChoiceField(
        choices=ProgressUpdate.Followed.choices,
        help_text="Whether the second opinion's recommendation is followed.",
    )
    recommendation_followed_reason = optional_text(
        help_text="Why not (fully): required unless recommendation_followed is yes."
    )
    note = optional_text()
    question = optional_text(help_text="A question for the specialist.")


class ProgressReplySerializer(StrictInputSerializer):
    advice = serializers.CharField()
