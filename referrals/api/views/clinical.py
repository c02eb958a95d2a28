from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from referrals.api.schema import id_parameter
from referrals.api.serializers.clinical import (
    ConsultationInputSerializer,
    ConsultationSerializer,
    PathologyReviewRequestSerializer,
    PathologyReviewSerializer,
    PathologyReviewUpdateSerializer,
    ProgressReplySerializer,
    ProgressUpdateInputSerializer,
    ProgressUpdateSerializer,
    RecommendationInputSerializer,
    RecommendationSerializer,
    RecommendationStateSerializer,
)
from referrals.api.views.base import ApiView, input_data, visible_or_404, visible_referral
from referrals.models import Consultation
from referrals.rules.visibility import sees_draft_recommendation
from referrals.selectors import (
    pathology_reviews_visible_to,
    progress_updates_visible_to,
    recommendation_history,
)
from referrals.services.clinical import (
    consultation_save,
    pathology_review_request,
    pathology_review_update,
    progress_update_create,
    progress_update_reply,
    recommendation_save,
)

REFERRAL_ID = id_parameter("id", "The referral's id.")
RELATED = ("referral", "pathologist", "requested_by", "signed_by")


class ReferralPathologyReviewsView(ApiView):
    """Pathology re-reviews: the center coordinator requests one, naming a `pathologist`."""

    @extend_schema(parameters=[REFERRAL_ID], responses=PathologyReviewSerializer(many=True))
    def get(self, request, id):
        referral = visible_referral(request, id)
        reviews = referral.pathology_reviews.select_related(*RELATED)
        return Response(PathologyReviewSerializer(reviews, many=True).data)

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=PathologyReviewRequestSerializer,
        responses={201: PathologyReviewSerializer},
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(PathologyReviewRequestSerializer, request)
        review = pathology_review_request(
            actor=request.user, referral=referral, pathologist=str(data["pathologist"])
        )
        return Response(PathologyReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class PathologyReviewView(ApiView):
    """The named pathologist fills in the review; `"sign": true` signs it."""

    @extend_schema(
        parameters=[id_parameter("id", "The review's id.")],
        request=PathologyReviewUpdateSerializer,
        responses=PathologyReviewSerializer,
    )
    def patch(self, request, id):
        queryset = pathology_reviews_visible_to(user=request.user).select_related(*RELATED)
        review = visible_or_404(request, queryset, id)
        data = input_data(PathologyReviewUpdateSerializer, request)
        sign = data.pop("sign")
        review = pathology_review_update(actor=request.user, review=review, data=data, sign=sign)
        return Response(PathologyReviewSerializer(review).data)


class ConsultationView(ApiView):
    """The consult: arranged and recorded by the center coordinator or assigned specialist."""

    @extend_schema(parameters=[REFERRAL_ID], responses=ConsultationSerializer)
    def get(self, request, id):
        referral = visible_referral(request, id)
        consultation = (
            Consultation.objects.select_related("referral")
            .prefetch_related("earlier_appointments__recorded_by")
            .filter(referral=referral)
        )
        if not consultation:
            raise NotFound("No consultation has been arranged yet.")
        return Response(ConsultationSerializer(consultation[0]).data)

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=ConsultationInputSerializer,
        responses=ConsultationSerializer,
    )
    def put(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(ConsultationInputSerializer, request)
        consultation = consultation_save(actor=request.user, referral=referral, data=data)
        return Response(ConsultationSerializer(consultation).data)


class RecommendationView(ApiView):
    """The specialist's recommendation. A POST writes the draft (`"sign": true` signs it);
    after a signature, a POST starts an amendment, which needs `amendment_reason`."""

    @extend_schema(parameters=[REFERRAL_ID], responses=RecommendationStateSerializer)
    def get(self, request, id):
        referral = visible_referral(request, id)
        return Response(_state(request, referral))

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=RecommendationInputSerializer,
        responses=RecommendationStateSerializer,
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(RecommendationInputSerializer, request)
        sign = data.pop("sign")
        recommendation_save(actor=request.user, referral=referral, data=data, sign=sign)
        return Response(_state(request, referral))


def _state(request, referral) -> dict:
    versions = list(recommendation_history(referral=referral).select_related("referral"))
    signed = [version for version in versions if version.is_signed]
    draft = next((version for version in versions if not version.is_signed), None)
    if draft is not None and not sees_draft_recommendation(request.user, draft):
        draft = None
    in_force = next((version for version in signed if version.in_force), None)
    return {
        "local_treatment_plan": referral.local_treatment_plan,
        "no_local_plan_yet": referral.no_local_plan_yet,
        "in_force": RecommendationSerializer(in_force).data if in_force else None,
        "draft": RecommendationSerializer(draft).data if draft else None,
        "history": RecommendationSerializer(signed, many=True).data,
    }


class ProgressUpdatesView(ApiView):
    """Progress updates from the referring side after the return, newest first."""

    @extend_schema(parameters=[REFERRAL_ID], responses=ProgressUpdateSerializer(many=True))
    def get(self, request, id):
        referral = visible_referral(request, id)
        updates = referral.progress_updates.select_related("referral", "author", "advice_by")
        return Response(ProgressUpdateSerializer(updates, many=True).data)

    @extend_schema(
        parameters=[REFERRAL_ID],
        request=ProgressUpdateInputSerializer,
        responses={201: ProgressUpdateSerializer},
    )
    def post(self, request, id):
        referral = visible_referral(request, id)
        data = input_data(ProgressUpdateInputSerializer, request)
        update = progress_update_create(actor=request.user, referral=referral, data=data)
        return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class ProgressReplyView(ApiView):
    """The assigned specialist's advice in answer to a progress update (once)."""

    @extend_schema(
        parameters=[id_parameter("id", "The progress update's id.")],
        request=ProgressReplySerializer,
        responses=ProgressUpdateSerializer,
    )
    def post(self, request, id):
        queryset = progress_updates_visible_to(user=request.user).select_related("referral")
        update = visible_or_404(request, queryset, id)
        data = input_data(ProgressReplySerializer, request)
        update = progress_update_reply(actor=request.user, update=update, advice=data["advice"])
        return Response(ProgressUpdateSerializer(update).data)
