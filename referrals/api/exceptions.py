"""The one exception handler of the API: every failure answers {"detail", "code", "fields"}."""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from audit.denials import note_denied
from referrals.errors import DomainError, NotPermitted

RESERVED_KEYS = {"detail", "code", "fields"}
logger = logging.getLogger("referrals.api")
SERVER_ERROR = "Something went wrong on our side. The request changed nothing; try again later."


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
    elif isinstance(exc, DjangoValidationError | DataError):
        # Input the database or a model field could not take (e.g. a value out of range).
        exc = exceptions.ValidationError({"non_field_errors": ["Invalid value."]})
    elif isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException("The request body is too large.", "request_too_large")
        exc.status_code = 413
    response = drf_exception_handler(exc, context)
    if response is None:
        return server_error_response(exc, context)
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        first = next(iter(fields.values()))[0] if fields else "Invalid input."
        response.data = error_body(first, "invalid", fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(str(exc.detail), code if isinstance(code, str) else "error")
    return response


def server_error_response(exc, context) -> Response:
    """An unexpected failure: 500 in the error shape; its transaction is rolled back. The log
    names the exception's type and where it was raised, never its message (it may hold PHI)."""
    set_rollback()
    view = context.get("view")
    logger.error(
        "Unexpected %s in %s at %s",
        type(exc).__name__,
        type(view).__name__ if view else "API",
        _raised_at(exc),
    )
    return Response(error_body(SERVER_ERROR, "server_error"), status=500)


def server_error(request):
    """Django's handler500: JSON in the error shape under /api/, the error page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(SERVER_ERROR, "server_error"), status=500)
    return defaults.server_error(request)


def _raised_at(exc) -> str:
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is None:
        return "unknown"
    return f"{trace.tb_frame.f_code.co_filename}:{trace.tb_lineno}"


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
            # A list's own error (e.g. too many items) belongs to the list's field.
            if name == "non_field_errors":
                path = prefix or "non_field_errors"
            else:
                path = f"{prefix}.{name}" if prefix else str(name)
            flat.update(flatten_field_errors(value, path))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}
