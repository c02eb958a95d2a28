from rest_framework import serializers

from referrals.api.serializers.common import object_id, refuse_unknown_fields
from referrals.models import Patient
from referrals.services.referrals import PATIENT_FIELDS


class PatientSerializer(serializers.ModelSerializer):
    """A patient of the caller's practice; `organization` chooses the practice on create when
    the caller belongs to several."""

    refuses_unknown_fields = True
    id = object_id()
    organization = serializers.UUIDField(
        source="organization.uuid", required=False, help_text="The practice (on create only)."
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "organization",
            *sorted(PATIENT_FIELDS),
            "consent_to_share_recorded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["consent_to_share_recorded_at", "created_at", "updated_at"]
        # The service validates the (organization, MRN) uniqueness with the practice known.
        validators = []

    def to_internal_value(self, data):
        refuse_unknown_fields(self, data)
        return super().to_internal_value(data)

    def validate(self, attrs):
        if self.instance is not None and "organization" in attrs:
            raise serializers.ValidationError(
                {"organization": ["A patient stays with their practice."]}
            )
        return attrs

    def service_data(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if k in PATIENT_FIELDS}
