"""Giving a patient a link, and opening their page past the date-of-birth check."""

from companion.services import patient_link_issue
from tests.factories import PatientFactory

BIRTH_DATE = PatientFactory.date_of_birth.isoformat()  # every factory patient's: 1961-04-12
STAFF_CANARY = "ZQX-STAFF-CANARY"


def give_link(referral, actor=None) -> str:
    """The path of the patient's page (the URL's path; the site's host is in SITE_URL)."""
    issued = patient_link_issue(actor=actor or referral.referring_oncologist, referral=referral)
    return "/" + issued.url.split("/", 3)[3]


def open_page(client, path: str, birth_date: str = BIRTH_DATE):
    """Pass the date-of-birth check; returns the page's response."""
    client.post(path, {"date_of_birth": birth_date})
    return client.get(path)
