"""DESIGN §5's paused clock: while a request is open the step's clock stops; once answered the
step's due date moves by the business days waited (weekends and holidays not counted)."""

import datetime
import zoneinfo

import pytest

from referrals.models import InformationRequest, Referral
from referrals.services.workflow import referral_transition
from reminders.models import Holiday
from tests.factories import Cast, referral_in_state

pytestmark = pytest.mark.django_db
Status = Referral.Status
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")

# November 2026: Thanksgiving is Thursday the 26th.
FRIDAY_20 = datetime.date(2026, 11, 20)
MONDAY_23 = datetime.date(2026, 11, 23)
TUESDAY_24 = datetime.date(2026, 11, 24)
WEDNESDAY_25 = datetime.date(2026, 11, 25)
THANKSGIVING = datetime.date(2026, 11, 26)
FRIDAY_27 = datetime.date(2026, 11, 27)
MONDAY_30 = datetime.date(2026, 11, 30)
TUESDAY_DEC_1 = datetime.date(2026, 12, 1)


def at(day: datetime.date, hour: int = 11) -> str:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=NEW_YORK).isoformat()


@pytest.fixture
def thanksgiving():
    Holiday.objects.get_or_create(date=THANKSGIVING, defaults={"name": "Thanksgiving Day"})


def ask(referral, actor, day, hour=11):
    return referral_transition(
        referral=referral,
        actor=actor,
        action="request_information",
        data={
            "reason": "missing_records",
            "note": "The operative report, please.",
            "occurred_at": at(day, hour),
            "backdate_reason": "Asked by phone; entered now.",
        },
    )


def answer(referral, actor, day, hour=15):
    return referral_transition(
        referral=referral,
        actor=actor,
        action="provide_information",
        data={
            "note": "Sent.",
            "occurred_at": at(day, hour),
            "backdate_reason": "Answered by phone; entered now.",
        },
    )


def accepted_with_records_due(due: datetime.date) -> tuple[Referral, Cast]:
    referral = referral_in_state(Status.ACCEPTED)
    Referral.objects.filter(pk=referral.pk).update(records_due=due, next_due=due)
    referral.refresh_from_db()
    return referral, Cast(referral)


def test_asked_friday_answered_after_the_weekend_and_thanksgiving(thanksgiving):
    referral, cast = accepted_with_records_due(TUESDAY_24)

    asked = ask(referral, cast.center_coordinator, FRIDAY_20)
    # The records step's due date stays as it was while paused; the referral now waits on the
    # practice's answer, due 3 business days after the Friday: Mon 23, Tue 24, Wed 25.
    assert asked.records_due == TUESDAY_24
    assert asked.information_due == WEDNESDAY_25
    assert asked.next_due == WEDNESDAY_25

    answered = answer(referral, cast.referring_oncologist, FRIDAY_27)
    # Waited Mon 23, Tue 24, Wed 25 and Fri 27 (Thursday a holiday, the weekend not counted):
    # 4 business days. Tuesday 24 + 4 business days: Wed 25, Fri 27, Mon 30, Tue Dec 1.
    assert InformationRequest.objects.get(referral=referral).business_days_waited == 4
    assert answered.records_due == TUESDAY_DEC_1
    assert answered.next_due == TUESDAY_DEC_1
    assert answered.information_due is None


def test_answered_on_the_day_asked_moves_nothing():
    referral, cast = accepted_with_records_due(MONDAY_30)
    ask(referral, cast.center_coordinator, MONDAY_23, hour=9)
    answered = answer(referral, cast.referring_oncologist, MONDAY_23, hour=16)
    assert InformationRequest.objects.get(referral=referral).business_days_waited == 0
    assert answered.records_due == MONDAY_30


def test_a_weekend_alone_is_not_waiting():
    referral, cast = accepted_with_records_due(MONDAY_30)
    ask(referral, cast.center_coordinator, FRIDAY_20)
    answered = answer(referral, cast.referring_oncologist, datetime.date(2026, 11, 22))  # Sunday
    assert InformationRequest.objects.get(referral=referral).business_days_waited == 0
    assert answered.records_due == MONDAY_30


def test_the_recommendation_clock_pauses_under_review(thanksgiving):
    referral = referral_in_state(Status.UNDER_REVIEW)
    Referral.objects.filter(pk=referral.pk).update(
        recommendation_due=WEDNESDAY_25, next_due=WEDNESDAY_25
    )
    referral.refresh_from_db()
    cast = Cast(referral)
    ask(referral, cast.specialist, MONDAY_23)
    answered = answer(referral, cast.referring_coordinator, FRIDAY_27)
    # Waited Tue 24, Wed 25, Fri 27: 3 business days. Wed 25 + 3: Fri 27, Mon 30, Tue Dec 1.
    assert answered.recommendation_due == TUESDAY_DEC_1
    assert answered.next_due == TUESDAY_DEC_1
    assert answered.information_wait_under_review == datetime.timedelta(days=4, hours=4)
    assert answered.information_wait_accepted == datetime.timedelta(0)


def test_the_information_step_is_due_three_business_days_later_across_a_holiday(thanksgiving):
    referral, cast = accepted_with_records_due(MONDAY_30)
    asked = ask(referral, cast.center_coordinator, TUESDAY_24)
    # Wed 25, (Thanksgiving), Fri 27, Mon 30.
    assert asked.information_due == MONDAY_30


def test_an_answer_cannot_be_dated_before_the_question():
    from referrals.errors import InvalidData

    referral, cast = accepted_with_records_due(MONDAY_30)
    ask(referral, cast.center_coordinator, TUESDAY_24)
    with pytest.raises(InvalidData):
        answer(referral, cast.referring_oncologist, MONDAY_23)
