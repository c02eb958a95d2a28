"""Identifiers other systems gave a referral (an EHR's ServiceRequest.identifier)."""

from django.db import models

from accounts.models import Organization
from referrals.models.referral import Referral


class ExternalIdentifier(models.Model):
    """One identifier an EHR of the referring organization gave the referral: the same one
    sent again names the same referral (FHIR in is idempotent on it, DESIGN §4)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="external_identifiers"
    )
    # The referring organization whose system issued it: systems are unique within one.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    system = models.CharField(max_length=255)
    value = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "system", "value"], name="external_identifier_unique"
            )
        ]

    def __str__(self):
        return f"{self.system}|{self.value}"
