from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox). Only the SHA-512 digest of its secret is stored, so a
    copy of the table gives no one access. One row per signed-in client ("device"): revoking
    one leaves the others. It ends after `expiry` (moved on by each use, never past the
    absolute lifetime from `created`), at log-out, on a password change and on deactivation.
    """

    # The token was issued against a confirmed authenticator code: where two factors are
    # required, a token without it is refused on every request (security.tokens).
    second_factor_verified = models.BooleanField(default=False)

    class Meta:
        verbose_name = "API token"
        indexes = [models.Index(fields=["user", "expiry"])]

    def __str__(self):
        return f"{self.token_key}… of {self.user_id}"
