"""The header's unread count: one indexed COUNT, only when a page shows it, once a request."""

from django.utils.functional import SimpleLazyObject

from inbox.selectors import unread_count


def _unread(request) -> int:
    if not hasattr(request, "_inbox_unread"):
        request._inbox_unread = unread_count(user=request.user)
    return request._inbox_unread


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: _unread(request))}
