"""Requests refused before any view runs: input no view could take."""

from django.http import HttpResponse, JsonResponse


class RefuseNulInQueryMiddleware:
    """A NUL character in the query string (`?term=%00`) is a 400: PostgreSQL cannot compare
    text with it, so every search would otherwise fail with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in _pairs(request.GET)):
            detail = "The address contains a NUL character."
            if request.path.startswith("/api/") or request.path.endswith("/autocomplete/"):
                fields = {key: [detail] for key, value in _pairs(request.GET) if "\x00" in value}
                body = {"detail": detail, "code": "invalid", "fields": fields}
                return JsonResponse(body, status=400)
            return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _pairs(query):
    return ((key, value) for key in query for value in query.getlist(key))
