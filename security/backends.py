from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied

from audit.middleware import client_address
from security.lockout import REFUSED_FLAG, address_over_limit


class LockoutBackend(AxesStandaloneBackend):
    """The lockout check (security.lockout), for every log-in that comes with a request.

    Every HTTP log-in (the portal's and the admin's forms, the API, the password check before
    a first two-factor enrolment) passes its request. Only in-process callers such as the
    test client's `login()` or a shell authenticate without one; axes would raise for those,
    and there is no client address to lock out anyway.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            if address_over_limit(client_address(request)):
                request.axes_locked_out = True
                raise AxesBackendPermissionDenied("too many failed log-ins from this address")
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            # Tells the audit trail this attempt was refused unchecked, not a wrong password.
            setattr(request, REFUSED_FLAG, True)
            raise
