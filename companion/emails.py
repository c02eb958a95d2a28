"""The one e-mail of the companion page: the link, to the patient's address.

It carries the link only: no name, no diagnosis, no reference (PHI never in e-mails). The one
place the patient-link e-mail is sent, so the outbox can take it over here.
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
