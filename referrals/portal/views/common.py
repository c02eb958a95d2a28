"""Reading a referral for a page: through the visibility layer, and audited."""

from django.shortcuts import render

from audit.denials import note_if_hidden, remember_subject
from audit.services import audit_record
from referrals import selectors
from referrals.errors import InvalidData
from referrals.models import Referral
from referrals.portal.errors import add_errors_to_form
from referrals.rules.capabilities import Capabilities, capabilities_for, ensure_can
from referrals.rules.visibility import recommendations_seen


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


def page_capabilities(request, referral: Referral) -> Capabilities:
    """What the user may do on this referral, asked of the rulebook once per request
    (pathology_reviews are prefetched by referral_detail: no extra query)."""
    cache = request.__dict__.setdefault("_referral_capabilities", {})
    if referral.pk not in cache:
        cache[referral.pk] = capabilities_for(request.user, referral)
    return cache[referral.pk]


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


def require_capability(request, referral: Referral, *capabilities: str) -> Capabilities:
    """Show a form only to those the service would let save it (the service checks again):
    refused (403, or 409 in the wrong state) unless the rulebook grants one of these."""
    granted = page_capabilities(request, referral)
    if not any(name in granted for name in capabilities):
        ensure_can(
            user=request.user,
            capability=capabilities[0],
            referral=referral,
            relations=granted.relations,
        )
    return granted


def recommendation_versions(request, referral: Referral):
    """(in force, unsigned draft, signed versions newest first), from the prefetched rows;
    the draft only for its author (referrals.rules.visibility)."""
    seen = recommendations_seen(request.user, referral.recommendations.all())
    versions = sorted(seen, key=lambda r: r.version, reverse=True)
    in_force = next((r for r in versions if r.in_force), None)
    draft = next((r for r in versions if not r.is_signed), None)
    return in_force, draft, [r for r in versions if r.is_signed]
