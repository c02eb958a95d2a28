from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from audit.services import audit_record
from referrals.api.schema import id_parameter
from referrals.api.serializers.records import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    RecordItemChangeSerializer,
    RecordItemCreateSerializer,
    RecordItemSerializer,
)
from referrals.api.views.base import ApiView, input_data, visible_or_404, visible_referral
from referrals.models import RecordAttachment
from referrals.selectors import record_items_visible_to, referrals_visible_to
from referrals.services.records import attachment_add, record_item_add, record_item_change

REFERRAL_ID = id_parameter("id", "The referral's id.")
RECORD_ID = id_parameter("id", "The record item's id.")


class ReferralRecordsView(ApiView):
    """The referral's record-transfer checklist."""

    serializer_class = RecordItemSerializer

    @extend_schema(parameters=[REFERRAL_ID], responses=RecordItemSerializer(many=True))
    def get(self, request, id):
        referral = visible_referral(request, id)
        items = referral.record_items.select_related("referral").prefetch_related("attachments")
        return Response(RecordItemSerializer(items, many=True).data)

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=RecordItemCreateSerializer,
        responses={201: RecordItemSerializer},
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(RecordItemCreateSerializer, request)
        item = record_item_add(actor=request.user, referral=referral, data=data)
        return Response(RecordItemSerializer(item).data, status=status.HTTP_201_CREATED)


def _visible_item(request, item_id):
    queryset = record_items_visible_to(user=request.user).select_related("referral")
    return visible_or_404(request, queryset, item_id)


class RecordItemView(ApiView):
    """Change a record item's status (requested → sent → received → returned, or waived)."""

    @extend_schema(
        parameters=[RECORD_ID], request=RecordItemChangeSerializer, responses=RecordItemSerializer
    )
    def patch(self, request, id):
        item = _visible_item(request, id)
        data = input_data(RecordItemChangeSerializer, request)
        item = record_item_change(actor=request.user, item=item, data=data)
        return Response(RecordItemSerializer(item).data)


class AttachmentUploadView(ApiView):
    """Attach a file (multipart `file`) to a record item: PDF, image, DICOM or plain text."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        parameters=[RECORD_ID],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request, id):
        item = _visible_item(request, id)
        data = input_data(AttachmentUploadSerializer, request)
        attachment = attachment_add(actor=request.user, item=item, uploaded_file=data["file"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(ApiView):
    """The file itself, for those who may open its referral; every download is audited."""

    @extend_schema(
        parameters=[id_parameter("id", "The attachment's id.")],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, id):
        queryset = RecordAttachment.objects.filter(
            record_item__referral__in=referrals_visible_to(user=request.user)
        ).select_related("record_item")
        attachment = visible_or_404(request, queryset, id)
        audit_record(
            actor=request.user,
            action="view",
            obj=attachment,
            referral_id=attachment.record_item.referral_id,
        )
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
