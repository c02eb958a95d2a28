"""Reading a referral for a page: through the visibility layer, and audited."""

from audit.services import audit_record
from referrals import roles, selectors
from referrals.models import Referral


def visible_referral(request, uuid) -> Referral:
    """The referral with its parts, if the user may see it (else Referral.DoesNotExist: 404).

    Every page that shows a referral's details reads it here, so every read is audited.
    """
    referral = selectors.referral_detail(user=request.user, uuid=uuid)
    audit_record(actor=request.user, action="view", obj=referral)
    return referral


def roles_on(request, referral: Referral) -> set[str]:
    # pathology_reviews are prefetched by referral_detail: no extra query.
    pathologists = {review.pathologist_id for review in referral.pathology_reviews.all()}
    return roles.roles_on(request.user, referral, pathologist_ids=pathologists)


def posted(request):
    """The submitted data, or None on GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None
