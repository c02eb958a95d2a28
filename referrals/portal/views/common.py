"""Reading a referral for a page: through the visibility layer, and audited."""

from django.shortcuts import render

from audit.denials import note_if_hidden, remember_subject
from audit.services import audit_record
from referrals import roles, selectors
from referrals.errors import InvalidData, NotPermitted
from referrals.models import Referral
from referrals.portal.errors import add_errors_to_form


def visible_referral(request, uuid) -> Referral:
    """The referral with its parts, if the user may see it (else Referral.DoesNotExist: 404).

    Every page that shows a referral's details reads it here, so every read is audited, and
    so is the refusal when the referral exists but is not the user's to see.
    """
    try:
        referral = selectors.referral_detail(user=request.user, uuid=uuid)
    except Referral.DoesNotExist:
        note_if_hidden(request, Referral, uuid)
        raise
    remember_subject(request, referral)
    audit_record(actor=request.user, action="view", obj=referral)
    return referral


def roles_on(request, referral: Referral) -> set[str]:
    # pathology_reviews are prefetched by referral_detail: no extra query.
    pathologists = {review.pathologist_id for review in referral.pathology_reviews.all()}
    return roles.roles_on(request.user, referral, pathologist_ids=pathologists)


def posted(request):
    """The submitted data, or None on GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


def form_saved(request, form, save, *, field_names=None) -> bool:
    """For a valid posted form, call `save()`; the service's InvalidData becomes form errors.

    True when saved: the view then redirects. False: the view shows the form again, with
    what was typed and the errors next to the fields (the error itself is kept on the form as
    `domain_error`). `field_names` maps service fields to form fields: a dict, or a function
    of the error that returns one.
    """
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save()
    except InvalidData as error:
        names = field_names(error) if callable(field_names) else field_names
        add_errors_to_form(form, error, names)
        form.domain_error = error
        return False
    return True


def render_form(request, template: str, context: dict):
    """A form page; 400 when it shows errors."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


def require_role(request, referral: Referral, allowed: set[str], message: str) -> set[str]:
    """Show a form only to those the service would let save it (the service checks again)."""
    user_roles = roles_on(request, referral)
    if not user_roles & allowed:
        raise NotPermitted(message)
    return user_roles


def recommendation_versions(referral: Referral):
    """(in force, unsigned draft, signed versions newest first), from the prefetched rows."""
    versions = sorted(referral.recommendations.all(), key=lambda r: r.version, reverse=True)
    in_force = next((r for r in versions if r.in_force), None)
    draft = next((r for r in versions if not r.is_signed), None)
    return in_force, draft, [r for r in versions if r.is_signed]
