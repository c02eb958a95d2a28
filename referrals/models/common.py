"""What every model module of the referrals app shares."""

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
