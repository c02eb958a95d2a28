"""SMTP with the timeouts of RFC 5321 §4.5.3.2, telling a refusal from an unknown outcome.

Django's SMTP backend uses one timeout (EMAIL_TIMEOUT) for every read. RFC 5321 recommends 5
minutes for the greeting and each command, and 10 for the answer to the end of the message
data: a server that is slow to store the message must not make us give up and send it again.
EMAIL_TIMEOUT is the first, EMAIL_DATA_TIMEOUT the second.

A failure once the whole message was written is `DeliveryOutcomeUnknown`: the server may have
stored it (RFC 1047). Everything before that point is an ordinary error: not delivered.
"""

import smtplib

from django.conf import settings
from django.core.mail.backends import smtp


class DeliveryOutcomeUnknown(Exception):
    """The message was written to the server, but its answer never came."""


class _SMTPWithDataTimeout(smtplib.SMTP):
    message_written = False
    _in_data = False

    def sendmail(self, *args, **kwargs):
        self.message_written = False
        return super().sendmail(*args, **kwargs)

    def data(self, msg):
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s):
        super().send(s)
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            # The message is with the server; now wait as long as it may take to store it.
            self.message_written = True
            if self.sock is not None:
                self.sock.settimeout(settings.EMAIL_DATA_TIMEOUT)


class _SMTPSSLWithDataTimeout(_SMTPWithDataTimeout, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self):
        return _SMTPSSLWithDataTimeout if self.use_ssl else _SMTPWithDataTimeout

    def _send(self, email_message):
        try:
            return super()._send(email_message)
        except (smtplib.SMTPException, OSError) as error:
            connection = self.connection
            if getattr(connection, "message_written", False) and not isinstance(
                error, smtplib.SMTPResponseException
            ):
                # Closing is all we can do; QUIT would wait on the same silent server.
                connection.close()
                self.connection = None
                raise DeliveryOutcomeUnknown(f"{type(error).__name__}: {error}") from error
            raise
