"""A mail backend for the in-process tests: a mail server that is down."""

from django.core.mail.backends import filebased


class RefusingBackend(filebased.EmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server refused the connection")
