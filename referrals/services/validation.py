"""Model validation mapped to the domain's InvalidData error."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.limits import limit
from referrals.errors import InvalidData


def validate_model(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run Django's field, model and constraint validation, and bound free text to
    INPUT_LIMITS["text_chars"]; raise InvalidData on failure."""
    fields = text_length_errors(instance, exclude=exclude or [])
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        fields |= {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
    if fields:
        raise InvalidData.for_fields(fields) from None


def text_length_errors(instance: models.Model, *, exclude: list[str]) -> dict[str, list[str]]:
    """Text fields without a max_length of their own still have a bound."""
    maximum = limit("text_chars")
    return {
        field.name: [f"At most {maximum} characters."]
        for field in instance._meta.concrete_fields
        if isinstance(field, models.TextField)
        and field.name not in exclude
        and len(getattr(instance, field.attname) or "") > maximum
    }


def reject_unknown(data: dict, allowed: set[str] | frozenset[str], *, why: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidData.for_fields({name: why for name in unknown})


def apply(instance: models.Model, data: dict, fields) -> dict:
    """Set the given fields from `data`; return {field: old value} for those that changed."""
    before = {}
    for name in fields:
        if name in data and getattr(instance, name) != data[name]:
            before[name] = getattr(instance, name)
            setattr(instance, name, data[name])
    return before
