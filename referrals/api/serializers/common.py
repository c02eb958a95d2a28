"""Pieces shared by the API's serializers."""

from rest_framework import serializers


def refuse_unknown_fields(serializer: serializers.Serializer, data) -> None:
    if hasattr(data, "keys"):
        unknown = sorted(set(data.keys()) - set(serializer.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})


class StrictInputSerializer(serializers.Serializer):
    """Input that refuses fields it does not know: a typo is an error, not a silent no-op."""

    refuses_unknown_fields = True  # declared in the schema (referrals.api.schema)

    def to_internal_value(self, data):
        refuse_unknown_fields(self, data)
        return super().to_internal_value(data)


def related_id(source: str) -> serializers.UUIDField:
    """A related object in a response, as its UUID (e.g. "specialist": "<user id>")."""
    return serializers.UUIDField(source=f"{source}.uuid", read_only=True, allow_null=True)


def object_id() -> serializers.UUIDField:
    return serializers.UUIDField(source="uuid", read_only=True)


def optional_text(**kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, **kwargs)
