from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for every log-in that comes with a request.

    Every HTTP log-in (the portal's and the admin's forms, the API) passes its request. Only
    in-process callers such as the test client's `login()` or a shell authenticate without
    one; axes would raise for those, and there is no client address to lock out anyway.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            # Tells the audit trail this attempt was refused unchecked, not a wrong password.
            request.refused_while_locked_out = True
            raise
