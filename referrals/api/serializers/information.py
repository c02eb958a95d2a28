"""Information requests in the API: the thread both sides read (DESIGN §4)."""

from rest_framework import serializers

from referrals.api.serializers.common import StrictInputSerializer, object_id, related_id
from referrals.models import InformationRequest


class InformationRequestSerializer(serializers.ModelSerializer):
    id = object_id()
    referral = related_id("referral")
    asked_by = related_id("asked_by")
    answered_by = related_id("answered_by")
    is_open = serializers.BooleanField(read_only=True, help_text="Not answered yet.")
    business_days_waited = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Once answered: the business days it waited, by which the paused step's due "
        "date moved.",
    )

    class Meta:
        model = InformationRequest
        fields = [
            "id",
            "referral",
            "reason",
            "note",
            "asked_by",
            "asked_at",
            "due_date",
            "is_open",
            "answer",
            "answered_by",
            "answered_at",
            "business_days_waited",
        ]


class InformationRequestInputSerializer(StrictInputSerializer):
    """A new request: the `request_information` transition (the center coordinator or the
    assigned specialist, while accepted or under review). It is answered by the
    `provide_information` transition (POST .../transitions/ with `note` and, optionally,
    `record_items`)."""

    reason = serializers.ChoiceField(choices=InformationRequest.Reason.choices)
    note = serializers.CharField(help_text="What the center needs.")
