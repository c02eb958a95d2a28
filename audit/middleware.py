import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied

from audit import context
from audit.denials import note_denied, write_denials


def interface_for_path(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "portal"


def client_address(request) -> str | None:
    """The client's address, also behind TRUSTED_PROXY_COUNT reverse proxies.

    Each proxy appends the address it was reached from to X-Forwarded-For; counted from the
    right, the entry our outermost proxy wrote cannot be forged by the client.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies and len(forwarded) >= proxies:
        try:
            return str(ipaddress.ip_address(forwarded[-proxies]))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Tells the audit trail which interface and client address a request comes from, and
    writes the refusals the views noted (audit.denials)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.use(
            context.AuditContext(
                interface=interface_for_path(request.path),
                client_address=client_address(request),
            )
        )
        try:
            response = self.get_response(request)
            # After the view: the transactions it ran have ended, so these entries stay.
            write_denials(request)
            return response
        finally:
            context.reset(token)

    def process_exception(self, request, exception):
        # Django's 403 from any view (reports, the admin's permission checks).
        if isinstance(exception, PermissionDenied):
            note_denied(request, reason=str(exception) or "permission denied")
