from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from audit.services import audit_record
from referrals.api.fhir import FHIR_VERSION, referral_bundle
from referrals.api.schema import id_parameter
from referrals.api.views.base import ApiView, visible_or_404
from referrals.selectors import referral_list


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class ReferralFhirView(ApiView):
    """The referral as a FHIR R4 Bundle (Patient, Practitioner, Organization, ServiceRequest,
    Task, DiagnosticReport). Every export is audited."""

    renderer_classes = (FhirJsonRenderer, JSONRenderer)

    @extend_schema(
        parameters=[id_parameter("id", "The referral's id.")],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description=f"FHIR {FHIR_VERSION} Bundle")
        },
    )
    def get(self, request, id):
        queryset = (
            referral_list(user=request.user)
            .select_related("patient__organization", "previous_referral")
            .prefetch_related("recommendations__author", "pathology_reviews__signed_by")
        )
        referral = visible_or_404(request, queryset, id)
        audit_record(actor=request.user, action="export", obj=referral, detail="fhir")
        response = Response(referral_bundle(referral, user=request.user))
        if request.accepted_renderer.format == "fhir":
            response.content_type = f"application/fhir+json; fhirVersion={FHIR_VERSION[:3]}"
        return response
