from django.db.models import Q, QuerySet

from audit.models import AuditEntry


def patient_access_entries(*, patient) -> QuerySet[AuditEntry]:
    """Every audit entry about the patient or any of their referrals, oldest first."""
    referral_ids = patient.referrals.values("pk")
    return (
        AuditEntry.objects.filter(Q(patient_id=patient.pk) | Q(referral_id__in=referral_ids))
        .select_related("actor")
        .order_by("at", "id")
    )
