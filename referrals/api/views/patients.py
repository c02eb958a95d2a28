from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from accounts.memberships import organizations_where
from accounts.models import Membership, Organization
from audit.services import audit_listed, audit_record
from referrals.api.pagination import NewestFirstCursorPagination
from referrals.api.schema import id_parameter
from referrals.api.serializers.patients import PatientSerializer
from referrals.api.views.base import ApiView, visible_or_404
from referrals.errors import InvalidData, NotPermitted
from referrals.selectors import patients_visible_to
from referrals.services.referrals import patient_create, patient_update

Role = Membership.Role


class PatientListView(ApiView):
    """Patients of the practices where the caller coordinates or refers."""

    serializer_class = PatientSerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return patients_visible_to(user=self.request.user).select_related("organization")

    @extend_schema(operation_id="patients_list", responses=PatientSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        audit_listed(actor=request.user, objects=page, detail="patient list")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={201: PatientSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = _practice_for(request.user, serializer.validated_data.get("organization"))
        patient = patient_create(
            actor=request.user, organization=organization, data=serializer.service_data()
        )
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


def _practice_for(user, chosen: dict | None) -> Organization:
    """The practice a new patient belongs to: the one named, or the caller's only one."""
    practices = organizations_where(user, Role.COORDINATOR, Role.REFERRING_ONCOLOGIST)
    if chosen:
        practice = Organization.objects.filter(uuid=chosen["uuid"], pk__in=practices).first()
        if practice is None:
            raise InvalidData.for_fields({"organization": "Choose one of your practices."})
        return practice
    if not practices:
        raise NotPermitted("Only a practice's coordinators and oncologists add patients.")
    if len(practices) > 1:
        raise InvalidData.for_fields({"organization": "Name the practice of this patient."})
    return Organization.objects.get(pk=next(iter(practices)))


@extend_schema_view(
    get=extend_schema(parameters=[id_parameter("id", "The patient's id.")]),
    patch=extend_schema(parameters=[id_parameter("id", "The patient's id.")]),
)
class PatientDetailView(ApiView):
    serializer_class = PatientSerializer

    def get_object(self):
        queryset = patients_visible_to(user=self.request.user).select_related("organization")
        return visible_or_404(self.request, queryset, self.kwargs["id"])

    def get(self, request, id):
        patient = self.get_object()
        audit_record(actor=request.user, action="view", obj=patient)
        return Response(self.get_serializer(patient).data)

    def patch(self, request, id):
        patient = self.get_object()
        serializer = self.get_serializer(patient, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        patient = patient_update(
            actor=request.user, patient=patient, data=serializer.service_data()
        )
        return Response(PatientSerializer(patient).data)
