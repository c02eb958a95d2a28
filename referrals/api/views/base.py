"""What every API view shares: authentication, the error schema, and visible lookups."""

import uuid

from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.permissions import IsAuthenticated

from audit.denials import note_if_hidden, remember_subject
from audit.services import audit_record
from referrals.api.schema import ApiSchema
from referrals.models import Referral
from referrals.selectors import referrals_visible_to
from security.tokens import ApiTokenAuthentication


class ApiMetadata(SimpleMetadata):
    """OPTIONS answers name, description and media types; the request bodies are in the
    OpenAPI schema, not rebuilt from serializers here."""

    def determine_actions(self, request, view):
        return {}


class ApiView(GenericAPIView):
    # Token first: an anonymous client is told how to authenticate (401 with WWW-Authenticate).
    authentication_classes = (ApiTokenAuthentication, SessionAuthentication)
    permission_classes = (IsAuthenticated,)
    schema = ApiSchema()
    metadata_class = ApiMetadata
    # Sub-resources are not filtered or paginated unless a view says so.
    filter_backends = ()
    pagination_class = None


def parse_id(value) -> uuid.UUID:
    """An object id from the URL; anything that is not a UUID names nothing (404)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def visible_or_404(request, queryset, object_id):
    """The object of `queryset` (the caller's visible ones) with this id, else 404; when the
    object exists but is hidden from the caller, the refusal is audited."""
    found = queryset.filter(uuid=parse_id(object_id)).first()
    if found is None:
        note_if_hidden(request, queryset.model, object_id)
        raise NotFound()
    remember_subject(request, found)
    return found


def visible_referral(request, referral_id) -> Referral:
    """The referral named in the URL, if the caller may see it. A GET reads its detail or a
    part of it (records, timeline, consult, ...): audited here, once per request."""
    referral = visible_or_404(request, referrals_visible_to(user=request.user), referral_id)
    if request.method == "GET":
        part = request.resolver_match.url_name if request.resolver_match else ""
        audit_record(actor=request.user, action="view", obj=referral, detail=part)
    return referral


def input_data(serializer_class, request, **kwargs) -> dict:
    """The request body validated by `serializer_class` (400 with field messages if not)."""
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
