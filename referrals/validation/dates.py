"""The one rule for dates (issue 12): impossible dates are refused wherever they are typed.

- a date of birth: not in the future, not before INPUT_LIMITS["earliest_birth_year"] (1900);
- a diagnosis date: not before the birth, not in the future;
- a step recorded after the fact (`occurred_at`): at most INPUT_LIMITS["backdate_days"] (365)
  ago and never before the referral was created;
- a record's, consult's or progress update's date: not before the referral, not in the future.

Each check returns {field: message} (empty when the value is fine): the models' validation
(Patient, Referral) and the services turn it into field errors.
"""

import datetime

from django.utils import timezone

from core.limits import limit

# A clock a little ahead of the server's is not "the future".
FUTURE_TOLERANCE = datetime.timedelta(minutes=2)
# Forms take times to the minute: "now" typed in the minute the referral was created may read
# as a few seconds before it.
MINUTE = datetime.timedelta(minutes=1)


def _day(value) -> datetime.date:
    return timezone.localdate(value) if isinstance(value, datetime.datetime) else value


def birth_date_errors(date_of_birth: datetime.date | None) -> dict[str, str]:
    if date_of_birth is None:
        return {}
    earliest = datetime.date(limit("earliest_birth_year"), 1, 1)
    if date_of_birth > timezone.localdate():
        return {"date_of_birth": "A date of birth cannot be in the future."}
    if date_of_birth < earliest:
        return {"date_of_birth": f"A date of birth cannot be before {earliest.year}."}
    return {}


def diagnosis_date_errors(
    diagnosis_date: datetime.date | None, *, date_of_birth: datetime.date | None
) -> dict[str, str]:
    if diagnosis_date is None:
        return {}
    if diagnosis_date > timezone.localdate():
        return {"diagnosis_date": "A diagnosis date cannot be in the future."}
    if date_of_birth is not None and diagnosis_date < date_of_birth:
        return {"diagnosis_date": "A diagnosis date cannot be before the patient's birth."}
    return {}


def step_time_errors(
    moment: datetime.datetime, *, referral_created: datetime.datetime | None, field: str
) -> dict[str, str]:
    """A step recorded as happening at `moment` (back-dated, or now)."""
    now = timezone.now()
    if moment > now + FUTURE_TOLERANCE:
        return {field: "Cannot be in the future."}
    days = limit("backdate_days")
    if now - moment > datetime.timedelta(days=days):
        return {field: f"A step can be recorded at most {days} days after it happened."}
    if referral_created is not None and moment < referral_created - MINUTE:
        return {field: "Cannot be earlier than the referral was created."}
    return {}


def referral_day_errors(
    value, *, referral_created: datetime.datetime | None, field: str, future_allowed=False
) -> dict[str, str]:
    """A date (or time) of a referral's record, consult or progress update."""
    if value is None:
        return {}
    if not future_allowed and _day(value) > timezone.localdate():
        return {field: "Cannot be in the future."}
    if future_allowed and _day(value) > timezone.localdate() + datetime.timedelta(days=730):
        return {field: "Cannot be more than two years ahead."}
    if referral_created is not None and _day(value) < timezone.localdate(referral_created):
        return {field: "Cannot be earlier than the referral was created."}
    return {}
