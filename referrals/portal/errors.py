"""How the portal shows domain errors: next to the field, as a 403 page, or as a message."""

import functools

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render

from audit.denials import note_denied
from referrals.errors import DomainError, InvalidData, NotFound, NotPermitted


def forbidden(request, error: NotPermitted):
    note_denied(request, reason=error.detail)
    return render(request, "portal/forbidden.html", {"reason": error.detail}, status=403)


def add_errors_to_form(form, error: InvalidData, field_names: dict[str, str] | None = None) -> None:
    """Put each of the service's field messages next to the form field it belongs to.

    `field_names` maps a service field to the form field that collects it; messages about
    fields the form does not show go to the top of the form.
    """
    field_names = field_names or {}
    placed = False
    for name, field_messages in error.fields.items():
        target = field_names.get(name, name)
        if target not in form.fields:
            target = None
        for message in field_messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.detail)


def handles_domain_errors(view):
    """NotPermitted answers the 403 page, NotFound 404; any other domain error that the view
    did not turn into a form error becomes a message on the referral's page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (ObjectDoesNotExist, NotFound) as error:
            raise Http404("Not found.") from error
        except NotPermitted as error:
            return forbidden(request, error)
        except DomainError as error:
            messages.error(request, error.detail)
            if "uuid" in kwargs:
                return redirect("portal:referral-detail", uuid=kwargs["uuid"])
            return redirect("portal:home")

    return wrapper
