"""Which centers take which referrals (DESIGN §1: intake rules)."""

from accounts.models import CancerSite, IntakeRule, Organization
from referrals.errors import InvalidData


def centers_accepting(*, cancer_site: str):
    """Cancer centers that see patients and accept this site (no rules: every site)."""
    return (
        Organization.objects.filter(kind=Organization.Kind.CANCER_CENTER, is_active=True)
        .exclude(nci_designation=Organization.NCIDesignation.BASIC)
        .exclude(pk__in=_centers_rejecting(cancer_site))
        .order_by("name")
    )


def _centers_rejecting(cancer_site: str):
    """Centers with intake rules, none of them for this site."""
    with_rules = IntakeRule.objects.values("center_id")
    accepting = IntakeRule.objects.filter(cancer_site=cancer_site).values("center_id")
    return Organization.objects.filter(pk__in=with_rules).exclude(pk__in=accepting).values("pk")


def ensure_center_accepts(*, center: Organization, cancer_site: str) -> None:
    """Raises InvalidData naming centers that do accept the site when this one does not."""
    if not center.sees_patients or not center.is_active:
        raise InvalidData.for_fields(
            {"receiving_center": f"{center.name} does not see patients for second opinions."}
        )
    sites = set(center.intake_rules.values_list("cancer_site", flat=True))
    if not sites or cancer_site in sites:
        return
    label = CancerSite(cancer_site).label if cancer_site in CancerSite.values else cancer_site
    alternatives = list(
        centers_accepting(cancer_site=cancer_site)
        .exclude(pk=center.pk)
        .values_list("name", flat=True)[:5]
    )
    message = f"{center.name} does not accept {label.lower()} cancer referrals."
    if alternatives:
        message += f" Centers that do: {', '.join(alternatives)}."
    raise InvalidData.for_fields({"receiving_center": message}, message)
