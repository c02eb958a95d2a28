"""Patients of a referring organization."""

import uuid

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

from accounts.models import Organization
from referrals.models.common import DateRulesMixin, choices_check
from referrals.validation.dates import birth_date_errors


class PatientSex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Patient(DateRulesMixin, models.Model):
    Sex = PatientSex

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="patients"
    )
    mrn = models.CharField("MRN", max_length=40)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=40, blank=True, default="English")
    consent_to_share_records = models.BooleanField(default=False)
    consent_to_share_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_to_record_consult = models.BooleanField(default=False)
    support_person_name = models.CharField(max_length=150, blank=True)
    support_person_relation = models.CharField(max_length=60, blank=True)
    # Said by the patient on their companion page; None: not said yet.
    interpreter_needed = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mrn"], name="patient_mrn_unique"),
            choices_check("patient_sex_valid", "sex", PatientSex),
        ]
        # Search by MRN or name, any part of it (admin and API: icontains on UPPER()).
        indexes = [
            GinIndex(OpClass(Upper(name), name="gin_trgm_ops"), name=f"patient_{name}_trgm")
            for name in ("mrn", "family_name", "given_name")
        ] + [
            models.Index(OpClass(Upper("mrn"), name="text_pattern_ops"), name="patient_mrn_prefix")
        ]

    def __str__(self):
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    def date_errors(self) -> dict[str, str]:
        return birth_date_errors(self.date_of_birth)

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()
