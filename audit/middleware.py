from audit import context


def interface_for_path(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "portal"


class RequestContextMiddleware:
    """Tells the audit trail which interface and client address a request comes from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.use(
            context.AuditContext(
                interface=interface_for_path(request.path),
                client_address=request.META.get("REMOTE_ADDR") or None,
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
