from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from audit.services import audit_record
from referrals.api.schema import id_parameter
from referrals.api.views.base import ApiView, visible_or_404
from referrals.errors import Conflict
from referrals.letter import consult_letter_pdf, letter_filename
from referrals.rules.visibility import consult_letter_issued
from referrals.selectors import referral_documents


def consult_letter_response(referral) -> HttpResponse:
    """The letter as a PDF download; Conflict (409) before the recommendation is issued."""
    if not consult_letter_issued(referral):
        raise Conflict(
            "The consult letter exists once the recommendation is issued.",
            status=referral.status,
        )
    response = HttpResponse(consult_letter_pdf(referral), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(referral)}"'
    return response


class ReferralLetterView(ApiView):
    """The consult letter as a PDF, once the recommendation is issued. Every download is
    audited as a read of the referral."""

    @extend_schema(
        parameters=[id_parameter("id", "The referral's id.")],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(description="The recommendation is not issued yet."),
        },
    )
    def get(self, request, id):
        referral = visible_or_404(request, referral_documents(user=request.user), id)
        response = consult_letter_response(referral)
        audit_record(actor=request.user, action="view", obj=referral, detail="consult letter")
        return response
