"""What every model module of the referrals app shares."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

NCT_PATTERN = r"^NCT[0-9]{8}$"
nct_validator = RegexValidator(
    NCT_PATTERN, "Enter a ClinicalTrials.gov identifier: NCT and 8 digits."
)


def choices_check(name: str, field: str, choices) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=name, condition=Q(**{f"{field}__in": [value for value, _ in choices.choices]})
    )


class DateRulesMixin:
    """Field validation that also applies the date rules (referrals.validation.dates) to the
    fields being validated: ModelForms in the admin and the services' `validate_model` alike
    name the field, and a form keeps what was typed."""

    def date_errors(self) -> dict[str, str]:
        return {}

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field, message in self.date_errors().items():
            if field not in errors and field not in (exclude or ()):
                errors[field] = [message]
        if errors:
            raise ValidationError(errors)
