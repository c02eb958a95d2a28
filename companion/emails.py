"""The one e-mail of the companion page: the link, to the patient's address.

It carries the link only: no name, no diagnosis, no reference (PHI never in e-mails). It is the
one e-mail that does not go through the outbox (reminders.outbox): an outbox row keeps the text,
and the text holds the link's secret, of which only a hash may be stored. If it is lost, the
referring side issues a new link.
"""

from django.conf import settings
from django.core.mail import send_mail

SUBJECT = "Your second-opinion page"
BODY = (
    "Hello,\n\n"
    "Your care team has made a private page for you about your second opinion.\n"
    "Open it here:\n\n{url}\n\n"
    "You will be asked for your date of birth. Do not share this link.\n"
)


def send_patient_link_email(*, to: str, url: str) -> None:
    send_mail(SUBJECT, BODY.format(url=url), settings.DEFAULT_FROM_EMAIL, [to])
