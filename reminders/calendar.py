"""Business days for the reminder rounds, computed in memory from one read of the holidays."""

import bisect
import datetime
from dataclasses import dataclass

from reminders.models import Holiday


@dataclass(frozen=True)
class BusinessCalendar:
    """The business days (weekdays that are not holidays) from `start` to `end`, inclusive."""

    days: tuple[datetime.date, ...]

    @classmethod
    def between(cls, start: datetime.date, end: datetime.date) -> "BusinessCalendar":
        holidays = set(
            Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
        )
        days, current = [], start
        while current <= end:
            if current.weekday() < 5 and current not in holidays:
                days.append(current)
            current += datetime.timedelta(days=1)
        return cls(tuple(days))

    def count_after(self, start: datetime.date, before: datetime.date) -> int:
        """How many business days fall after `start` and before `before`."""
        return max(0, bisect.bisect_left(self.days, before) - bisect.bisect_right(self.days, start))

    def add(self, start: datetime.date, business_days: int) -> datetime.date:
        """The date `business_days` business days after `start` (`start` itself for 0)."""
        if business_days == 0:
            return start
        return self.days[bisect.bisect_right(self.days, start) + business_days - 1]


def reminder_round(
    calendar: BusinessCalendar, *, step_due: datetime.date, today: datetime.date, every: int
) -> tuple[int, datetime.date]:
    """The latest reminder round of a step due on `step_due`, and the date it fell due.

    Round 0 falls due on the step's due date, round k `k * every` business days later; a
    round is reached once its date is before today. Rounds missed while no scan ran are not
    made up: only the latest one is reminded.
    """
    number = calendar.count_after(step_due, today) // every
    return number, calendar.add(step_due, number * every)
