"""OpenAPI generation: every operation documents the error responses the API can give."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


# 401 (no or bad credentials), 403 (not your action), 404 (not visible), 429 (throttled).
COMMON_ERRORS = ("401", "403", "404", "429")
# Writes also answer 400 (bad data), 409 (not from this state), 413 (a body over the bound of
# INPUT_LIMITS) and 415 (wrong content type).
WRITE_ERRORS = ("400", "409", "413", "415")


class ApiSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # The API refuses fields it does not know (400 "Unknown field."): the schema says so.
        if getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = COMMON_ERRORS + ("400",)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes += WRITE_ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
        return responses


def id_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=what)
