"""The one exception handler of the API: every failure answers {"detail", "code", "fields"}."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.denials import note_denied
from referrals.errors import DomainError, NotPermitted

RESERVED_KEYS = {"detail", "code", "fields"}


def api_exception_handler(exc, context):
    """Domain errors keep their status (400/403/404/409); DRF's own errors get the same shape.

    Every 403 is audited as denied (a 404 for a hidden object is audited by the lookup)."""
    if isinstance(exc, NotPermitted | exceptions.PermissionDenied | DjangoPermissionDenied):
        note_denied(context["request"], reason=_reason(exc))
    if isinstance(exc, DomainError):
        body = error_body(exc.detail, exc.code, exc.fields)
        # e.g. the open referral a duplicate points to: {"existing_referral": "<uuid>"}.
        body.update({k: v for k, v in exc.extra.items() if k not in RESERVED_KEYS})
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        first = next(iter(fields.values()))[0] if fields else "Invalid input."
        response.data = error_body(first, "invalid", fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(str(exc.detail), code if isinstance(code, str) else "error")
    return response


def _reason(exc) -> str:
    detail = getattr(exc, "detail", None) or str(exc)
    return str(detail) or "permission denied"


def error_body(detail: str, code: str, fields: dict | None = None) -> dict:
    return {"detail": str(detail), "code": code, "fields": fields or {}}


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"field": [...], "record_items.0.kind": [...]}."""
    if isinstance(detail, dict):
        flat = {}
        for name, value in detail.items():
            key = "non_field_errors" if name == "non_field_errors" and not prefix else str(name)
            flat.update(flatten_field_errors(value, f"{prefix}.{key}" if prefix else key))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}
