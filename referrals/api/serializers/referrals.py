from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import CancerSite, Organization, User
from core.expressions import referenced_column
from core.limits import limit
from referrals.api.serializers.common import (
    StrictInputSerializer,
    object_id,
    optional_text,
    related_id,
)
from referrals.api.serializers.records import RecordItemSerializer
from referrals.models import Patient, Recommendation, RecordItem, Referral, ReferralEvent
from referrals.rules import workflow
from referrals.rules.capabilities import CAPABILITIES, CLINICAL_FIELDS, capabilities_for
from referrals.rules.steps import LATE_STATES
from referrals.selectors import forwarded_to, is_overdue

# What a list row shows; the list queryset loads exactly these columns (see `LIST_COLUMNS`).
LIST_FIELDS = [
    "id",
    "reference",
    "status",
    "patient",
    "referring_organization",
    "referring_oncologist",
    "receiving_center",
    "specialist",
    "opinion_number",
    "cancer_site",
    "urgency",
    "modality",
    "created_at",
    "submitted_at",
    "next_due",
    "is_overdue",
    "awaiting_information",
]
LIST_RELATED_UUIDS = {
    "referring_organization": Organization,
    "referring_oncologist": User,
    "receiving_center": Organization,
    "specialist": User,
}
LIST_RELATED = {"patient", *LIST_RELATED_UUIDS}
# The list reads plain rows (`values()`), not model instances, and writes each row with one
# plain function (`list_rows`): for a page of 50 referrals, building model instances or running
# serializer fields would cost more than the query itself. The patient differs on every row
# and is joined. The practice, the center and the doctors repeat across a page: their UUIDs are
# read by scalar subqueries in the same query, since joining five tables costs PostgreSQL more
# planning time (5-10 ms) than running the query, and a second query costs a round trip.
LIST_COLUMNS = ["uuid", "patient__uuid"] + [
    name for name in LIST_FIELDS if name not in ("id", "patient", "is_overdue", *LIST_RELATED_UUIDS)
]


def list_values(queryset: QuerySet[Referral]) -> QuerySet:
    """The list's rows of `queryset`, as `list_rows` reads them."""
    uuids = {
        f"{name}_uuid": referenced_column(f"{name}_id", model, "uuid")
        for name, model in LIST_RELATED_UUIDS.items()
    }
    return queryset.values(*LIST_COLUMNS, **uuids)


REQUIRED = "This field is required."


def list_rows(rows: list[dict], today=None) -> list[dict]:
    """A page of `list_values` rows as the API shows them (ReferralListSerializer
    describes them in the schema; tests/api/test_list_output.py holds the two together)."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    return [
        {
            "id": str(row["uuid"]),
            "reference": row["reference"],
            "status": row["status"],
            "patient": str(row["patient__uuid"]),
            "referring_organization": str(row["referring_organization_uuid"]),
            "referring_oncologist": str(row["referring_oncologist_uuid"]),
            "receiving_center": str(row["receiving_center_uuid"]),
            "specialist": str(specialist) if (specialist := row["specialist_uuid"]) else None,
            "opinion_number": row["opinion_number"],
            "cancer_site": row["cancer_site"],
            "urgency": row["urgency"],
            "modality": row["modality"],
            "created_at": _datetime(row["created_at"], zone),
            "submitted_at": _datetime(submitted, zone)
            if (submitted := row["submitted_at"])
            else None,
            "next_due": next_due.isoformat() if (next_due := row["next_due"]) else None,
            "is_overdue": (
                row["status"] in LATE_STATES and next_due is not None and next_due < today
            ),
            "awaiting_information": row["awaiting_information"],
        }
        for row in rows
    ]


def _datetime(value, zone) -> str:
    # DRF's format: the server's time zone, ISO 8601 with its offset ("Z" for UTC).
    value = value.astimezone(zone).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


class ReferralPartiesSerializer(serializers.ModelSerializer):
    """The referral's id and the people and organizations around it, as their ids."""

    id = object_id()
    patient = related_id("patient")
    referring_organization = related_id("referring_organization")
    referring_oncologist = related_id("referring_oncologist")
    receiving_center = related_id("receiving_center")
    specialist = related_id("specialist")


class ReferralListSerializer(ReferralPartiesSerializer):
    """A list row, from a `list_values` row. Its fields describe the schema; the rows are
    written by `list_rows` (the list is the API's busiest read)."""

    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Referral
        fields = LIST_FIELDS

    def to_representation(self, row):
        return list_rows([row], self.context.get("today"))[0]


class PatientSummarySerializer(serializers.ModelSerializer):
    """Who the patient is, for everyone who may open the referral (the center too)."""

    id = object_id()

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "preferred_language",
            "consent_to_share_records",
            "consent_to_record_consult",
            "support_person_name",
            "support_person_relation",
        ]


class ReferralDetailSerializer(ReferralPartiesSerializer):
    previous_referral = related_id("previous_referral")
    reasons = serializers.ListField(child=serializers.ChoiceField(Referral.Reason.choices))
    patient_details = PatientSummarySerializer(source="patient", read_only=True)
    record_items = RecordItemSerializer(many=True, read_only=True)
    is_overdue = serializers.SerializerMethodField()
    concordance = serializers.SerializerMethodField(
        help_text="The concordance of the recommendation in force with `local_treatment_plan` "
        "(null until a recommendation is signed)."
    )
    forwarded_to = serializers.SerializerMethodField(
        help_text="A forwarded referral: the id of the referral it became at the other center."
    )
    actions = serializers.SerializerMethodField(
        help_text="The workflow actions the caller may take now (for transitions/): each "
        "would succeed, given the data it needs."
    )
    actions_waiting = serializers.SerializerMethodField(
        help_text="The caller's other actions in this state, each with what it still waits for."
    )
    capabilities = serializers.SerializerMethodField(
        help_text="What else the caller may do on this referral now (edit_referral, "
        "add_record, arrange_consult, ...)."
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "patient",
            "patient_details",
            "referring_organization",
            "referring_oncologist",
            "receiving_center",
            "specialist",
            "opinion_number",
            "previous_referral",
            *sorted(CLINICAL_FIELDS),
            "concordance",
            "decline_reason_code",
            "decline_reason",
            "cancel_reason_code",
            "cancel_reason",
            "forward_reason",
            "forwarded_to",
            "created_at",
            "updated_at",
            "submitted_at",
            "accepted_at",
            "declined_at",
            "review_started_at",
            "recommendation_issued_at",
            "returned_at",
            "monitoring_started_at",
            "closed_at",
            "cancelled_at",
            "forwarded_at",
            "triage_due",
            "records_due",
            "recommendation_due",
            "return_due",
            "next_update_due",
            "next_due",
            "is_overdue",
            "awaiting_information",
            "information_due",
            "record_items",
            "actions",
            "actions_waiting",
            "capabilities",
        ]

    def get_is_overdue(self, referral) -> bool:
        return is_overdue(referral)

    @extend_schema_field(
        serializers.ChoiceField(Recommendation.Concordance.choices, allow_null=True)
    )
    def get_concordance(self, referral) -> str | None:
        recommendation = workflow.recommendation_in_force(referral)
        return recommendation.concordance if recommendation else None

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_forwarded_to(self, referral) -> str | None:
        if referral.status != Referral.Status.FORWARDED:
            return None
        found = forwarded_to(referral)
        return str(found.uuid) if found else None

    def _rules(self, referral):
        """The caller's capabilities and action options, asked of the rulebook once."""
        cached = getattr(self, "_rules_cache", None)
        if cached is None or cached[0] != referral.pk:
            user = self.context["request"].user
            capabilities = capabilities_for(user, referral)
            options = workflow.actions_available(user, referral, relations=capabilities.relations)
            cached = self._rules_cache = (referral.pk, capabilities, options)
        return cached[1], cached[2]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(list(workflow.ACTIONS)))
    )
    def get_actions(self, referral) -> list[str]:
        return [option.name for option in self._rules(referral)[1] if option.offered]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_actions_waiting(self, referral) -> dict[str, str]:
        options = self._rules(referral)[1]
        return {option.name: option.waiting_for for option in options if not option.offered}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(list(CAPABILITIES))))
    def get_capabilities(self, referral) -> list[str]:
        return self._rules(referral)[0].names


class RecordItemInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=RecordItem.Kind.choices)
    required = serializers.BooleanField(required=False, default=True)
    description = optional_text(max_length=200)


class ReferralFieldsSerializer(StrictInputSerializer):
    """The referral's own fields, all optional: an edit sends only what changes."""

    cancer_site = serializers.ChoiceField(choices=CancerSite.choices, required=False)
    diagnosis = serializers.CharField(required=False)
    stage = optional_text(max_length=40)
    diagnosis_date = serializers.DateField(required=False, allow_null=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=Referral.Reason.choices), required=False
    )
    clinical_question = optional_text()
    local_treatment_plan = optional_text(
        help_text="What the local team proposes (concordance is judged against it)."
    )
    no_local_plan_yet = serializers.BooleanField(
        required=False,
        help_text="True: nothing is proposed locally yet (then leave local_treatment_plan empty).",
    )
    initiated_by = serializers.ChoiceField(Referral.InitiatedBy.choices, required=False)
    urgency = serializers.ChoiceField(Referral.Urgency.choices, required=False)
    modality = serializers.ChoiceField(Referral.Modality.choices, required=False)
    receiving_center = serializers.UUIDField(required=False)
    referring_oncologist = serializers.UUIDField(required=False)


class ReferralCreateSerializer(ReferralFieldsSerializer):
    """A new draft. `previous_referral` starts a third (or later) opinion from that referral:
    then only `receiving_center` is needed, the rest is carried over."""

    patient = serializers.UUIDField(required=False)
    previous_referral = serializers.UUIDField(required=False)
    record_items = RecordItemInputSerializer(
        many=True, required=False, max_length=limit("record_items")
    )

    def to_internal_value(self, data):
        # Missing fields are reported together with the invalid ones, in one answer.
        missing = {}
        if hasattr(data, "keys"):
            needed = ["receiving_center"]
            if "previous_referral" not in data:
                needed += ["patient", "cancer_site", "diagnosis"]
            missing = {name: [REQUIRED] for name in needed if data.get(name) in (None, "")}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**missing, **error.detail}) from None
        if missing:
            raise serializers.ValidationError(missing)
        return value


# Every reason code of decline and cancel (each action checks its own: rules.workflow).
REASON_CODE_CHOICES = list(
    dict.fromkeys([*Referral.DeclineReasonCode.values, *Referral.CancelReasonCode.values])
)


class TransitionSerializer(StrictInputSerializer):
    action = serializers.ChoiceField(choices=list(workflow.ACTIONS))
    specialist = serializers.UUIDField(required=False, help_text="accept: the specialist's id.")
    reason_code = serializers.ChoiceField(
        choices=REASON_CODE_CHOICES,
        required=False,
        help_text="decline: "
        + ", ".join(Referral.DeclineReasonCode.values)
        + "; cancel: "
        + ", ".join(Referral.CancelReasonCode.values)
        + ".",
    )
    reason = optional_text(
        help_text="decline, cancel: why, in words (required for reason_code `other`); "
        "forward: why (required). request_information: the reason code "
        "(missing_records, illegible_records, clinical_clarification, consent, insurance, "
        "other)."
    )
    receiving_center = serializers.UUIDField(
        required=False, help_text="forward: the id of the center that takes the referral over."
    )
    note = optional_text(
        help_text="request_information: what the center needs; provide_information: the answer."
    )
    record_items = RecordItemInputSerializer(
        many=True,
        required=False,
        max_length=10,
        help_text="provide_information: new record items sent with the answer.",
    )
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When the step happened, if earlier than now."
    )
    backdate_reason = optional_text(help_text="Needed when occurred_at is more than an hour ago.")


class EventSerializer(serializers.ModelSerializer):
    actor = related_id("actor")
    data = serializers.DictField(read_only=True)

    class Meta:
        model = ReferralEvent
        fields = [
            "kind",
            "actor",
            "from_status",
            "to_status",
            "note",
            "reason_code",
            "data",
            "occurred_at",
            "recorded_at",
        ]
