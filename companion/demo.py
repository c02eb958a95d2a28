"""Demo patient links for seed_demo: a few open referrals of the demo oncologist get a link whose
secret is derived from SECRET_KEY and the referral (companion.services.demo_secret), so every
run of seed_demo can print working links although only their hashes are stored."""

from django.db.models import Case, When

from companion import services
from companion.models import PatientLink
from referrals.models import Referral

Status = Referral.Status
DEMO_LINK_STATES = (Status.SUBMITTED, Status.ACCEPTED, Status.UNDER_REVIEW, Status.RETURNED)
# The demo's referring oncologist: their portal shows these referrals with the link's panel.
DEMO_ONCOLOGIST = "oncologist1@riverside.example"


def demo_patient_links(*, practices) -> list[tuple[Referral, str]]:
    """(referral, url) for one referral in each of DEMO_LINK_STATES, plus one whose patient
    prefers Spanish, each with a working link (made again if it was revoked or replaced)."""
    referrals = Referral.objects.filter(referring_organization__in=practices).select_related(
        "patient", "referring_oncologist"
    )
    # The demo oncologist's referrals first, then the others, each by reference.
    mine_first = Case(When(referring_oncologist__email=DEMO_ONCOLOGIST, then=0), default=1)
    referrals = referrals.order_by(mine_first, "reference")
    chosen = []
    for state in DEMO_LINK_STATES:
        found = referrals.filter(status=state).first()
        if found is not None:
            chosen.append(found)
    spanish = (
        referrals.filter(status__in=DEMO_LINK_STATES, patient__preferred_language="Spanish")
        .exclude(pk__in=[referral.pk for referral in chosen])
        .first()
    )
    if spanish is not None:
        chosen.append(spanish)
    return [(referral, _working_link(referral)) for referral in chosen]


def _working_link(referral: Referral) -> str:
    secret = services.demo_secret(referral)
    secret_hash = services.hash_secret(secret)
    active = PatientLink.objects.filter(referral=referral, revoked_at__isnull=True).first()
    if active is not None and active.secret_hash == secret_hash:
        return services.patient_link_url(secret)
    # Revoked or replaced in the demo since the last run: give the demo's link again.
    PatientLink.objects.filter(secret_hash=secret_hash).delete()
    issued = services.patient_link_issue(
        actor=referral.referring_oncologist, referral=referral, secret=secret
    )
    return issued.url
