"""Refusals in the audit trail: "denied" entries for what a signed-in user was not allowed.

An interface notes a refusal on the request (`note_denied`) where it decides it; the audit
middleware writes the entries once the view has returned. By then any transaction the refused
work ran in (a service's atomic block, the admin's change page) has rolled back, so the entry
is not rolled back with it. Anonymous requests are not audited: they are sent to log in.
"""

import uuid as uuid_module

from django.db import models

from audit.models import AuditEntry
from audit.services import audit_record

_PENDING = "_audit_denials"
_SUBJECT = "_audit_subject"


def _http_request(request):
    # DRF's Request wraps the Django request the middleware sees.
    return getattr(request, "_request", request)


def remember_subject(request, obj: models.Model) -> None:
    """The object this request is about (found by the interface's visible lookup): a refusal
    noted later without an object names it."""
    _http_request(request).__dict__[_SUBJECT] = obj


def note_denied(request, *, reason: str, obj: models.Model | None = None) -> None:
    """Remember that `request` was refused (`reason`: short, without PHI) about `obj` (by
    default the object remembered by `remember_subject`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    http_request = _http_request(request)
    obj = obj if obj is not None else http_request.__dict__.get(_SUBJECT)
    match = getattr(http_request, "resolver_match", None)
    where = f"{http_request.method} {match.view_name if match else http_request.path_info}"
    pending = http_request.__dict__.setdefault(_PENDING, [])
    entry = (user, obj, f"{where}: {reason}")
    if entry not in pending:
        pending.append(entry)


def note_if_hidden(request, model: type[models.Model], key) -> models.Model | None:
    """After a lookup by UUID among the visible objects found nothing: if the object exists
    (it is hidden from this user, not missing), note the refusal. Returns the hidden object."""
    try:
        key = uuid_module.UUID(str(key))
    except ValueError:
        return None
    hidden = model._default_manager.filter(uuid=key).first()
    if hidden is not None:
        note_denied(request, reason="not visible", obj=hidden)
    return hidden


def write_denials(request) -> None:
    """Write the refusals noted on `request` (called by the audit middleware after the view)."""
    for actor, obj, detail in request.__dict__.pop(_PENDING, []):
        audit_record(actor=actor, action=AuditEntry.Action.DENIED, obj=obj, detail=detail)
