from rest_framework import serializers

from referrals.api.serializers.common import (
    StrictInputSerializer,
    object_id,
    optional_text,
    related_id,
)
from referrals.models import RecordAttachment, RecordItem


class AttachmentSerializer(serializers.ModelSerializer):
    id = object_id()
    record = related_id("record_item")
    uploaded_by = related_id("uploaded_by")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RecordAttachment
        fields = [
            "id",
            "record",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, attachment) -> str:
        return f"/api/v1/attachments/{attachment.uuid}/"


class RecordItemSerializer(serializers.ModelSerializer):
    id = object_id()
    referral = related_id("referral")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = RecordItem
        fields = [
            "id",
            "referral",
            "kind",
            "description",
            "required",
            "status",
            "waived_reason",
            "carrier",
            "tracking_number",
            "specimen_identifiers",
            "requested_at",
            "sent_at",
            "received_at",
            "returned_at",
            "attachments",
        ]


class RecordItemCreateSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=RecordItem.Kind.choices)
    required = serializers.BooleanField(required=False, default=True)
    description = optional_text(max_length=200)


class RecordItemChangeSerializer(StrictInputSerializer):
    """A status change (with its tracking details and when it happened) or detail edits."""

    status = serializers.ChoiceField(choices=RecordItem.Status.choices, required=False)
    required = serializers.BooleanField(required=False)
    description = optional_text(max_length=200)
    carrier = optional_text(max_length=60)
    tracking_number = optional_text(max_length=80)
    specimen_identifiers = optional_text(max_length=200)
    waived_reason = optional_text()
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When it happened, if earlier than now."
    )
    backdate_reason = optional_text(help_text="Needed when occurred_at is more than an hour ago.")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
