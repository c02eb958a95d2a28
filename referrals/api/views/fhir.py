from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from audit.services import audit_record
from referrals.api.parsers import BoundedJSONParser
from referrals.api.schema import COMMON_ERRORS, WRITE_ERRORS, ApiSchema, id_parameter
from referrals.api.views.base import ApiView, visible_or_404
from referrals.fhir.codes import FHIR_VERSION
from referrals.fhir.export import referral_bundle
from referrals.fhir.inbound import receive_transaction
from referrals.fhir.outcome import BundleRefused, operation_outcome
from referrals.fhir.response import transaction_response
from referrals.selectors import referral_documents


class OperationOutcomeSerializer(serializers.Serializer):
    resourceType = serializers.CharField()  # noqa: N815 (FHIR's element name)
    issue = serializers.ListField(child=serializers.DictField())


class FhirSchema(ApiSchema):
    """FHIR in answers every error as an OperationOutcome, not the API's error shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super(ApiSchema, self)._get_response_bodies(direction)
        for code in (*COMMON_ERRORS, *WRITE_ERRORS, "406", "422"):
            if code not in responses:
                responses[code] = self._get_response_for_code(OperationOutcomeSerializer, code)
        return responses


FHIR_CONTENT_TYPE = f"application/fhir+json; fhirVersion={FHIR_VERSION[:3]}"


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FhirJsonParser(BoundedJSONParser):
    media_type = "application/fhir+json"


def letter_url(request, referral) -> str:
    return request.build_absolute_uri(f"/api/v1/referrals/{referral.uuid}/letter/")


def fhir_response(data: dict, request, status: int = 200) -> Response:
    response = Response(data, status=status)
    if request.accepted_renderer.format == "fhir":
        response.content_type = FHIR_CONTENT_TYPE
    return response


class ReferralFhirView(ApiView):
    """The referral as a FHIR R4 Bundle (Patient, Practitioner, Organization, Condition,
    ServiceRequest, Task, and once issued the consult letter as a DocumentReference; signed
    pathology reviews as DiagnosticReports). Every export is audited."""

    renderer_classes = (FhirJsonRenderer, JSONRenderer)

    @extend_schema(
        parameters=[id_parameter("id", "The referral's id.")],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description=f"FHIR {FHIR_VERSION} Bundle")
        },
    )
    def get(self, request, id):
        referral = visible_or_404(request, referral_documents(user=request.user), id)
        audit_record(actor=request.user, action="export", obj=referral, detail="fhir")
        bundle = referral_bundle(
            referral, user=request.user, letter_url=letter_url(request, referral)
        )
        return fhir_response(bundle, request)


class FhirTransactionView(ApiView):
    """An EHR sends a FHIR R4 `transaction` Bundle (Patient, ServiceRequest, optionally
    Condition, DocumentReference, Task): the referral is created as a draft, or submitted when
    complete, and the answer is a `transaction-response` Bundle. The same ServiceRequest
    identifier again changes nothing and answers the same referral. A refused bundle changes
    nothing and is answered with an OperationOutcome (400, 403, 409 or 422)."""

    renderer_classes = (FhirJsonRenderer, JSONRenderer)
    parser_classes = (FhirJsonParser, BoundedJSONParser)
    schema = FhirSchema()

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="transaction-response Bundle"),
        },
    )
    def post(self, request):
        try:
            received = receive_transaction(actor=request.user, bundle=request.data)
        except BundleRefused as refused:
            return fhir_response(operation_outcome(refused.issues), request, refused.status)
        referral = referral_documents(user=request.user).filter(pk=received.referral.pk).first()
        received.referral = referral
        if not received.created:
            audit_record(actor=request.user, action="view", obj=referral, detail="fhir repeat")
        bundle = transaction_response(
            received, user=request.user, letter_url=letter_url(request, referral)
        )
        return fhir_response(bundle, request)

    def handle_exception(self, exc):
        """Malformed JSON and other errors before the view's own checks: an OperationOutcome
        too (a FHIR client reads no other error shape)."""
        response = super().handle_exception(exc)
        if (
            response.status_code < 500
            and isinstance(response.data, dict)
            and "detail" in response.data
        ):
            code = {
                401: "login",
                403: "forbidden",
                404: "not-found",
                405: "not-supported",
                406: "not-supported",
                413: "too-costly",
                415: "not-supported",
                429: "throttled",
            }
            response.data = operation_outcome(
                [
                    {
                        "severity": "error",
                        "code": code.get(response.status_code, "structure"),
                        "diagnostics": str(response.data["detail"]),
                    }
                ]
            )
        return response
