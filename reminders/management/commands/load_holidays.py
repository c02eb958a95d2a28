"""Load public holidays into the SLA calendar from the `holidays` package."""

import datetime

import holidays
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reminders.models import Holiday


class Command(BaseCommand):
    help = (
        "Add the public holidays of HOLIDAY_COUNTRY (default US, federal) for the given years "
        "to the days the SLA clock skips. Existing days are kept; edit them in the admin."
    )

    def add_arguments(self, parser):
        this_year = datetime.date.today().year
        parser.add_argument("years", nargs="*", type=int, default=[this_year, this_year + 1])
        parser.add_argument("--country", default=settings.HOLIDAY_COUNTRY)
        parser.add_argument("--subdivision", default=settings.HOLIDAY_SUBDIVISION)

    def handle(self, *args, years: list[int], country: str, subdivision: str | None, **options):
        try:
            calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
        except NotImplementedError as error:
            raise CommandError(f"Unknown holiday calendar: {error}") from error
        rows = [Holiday(date=day, name=name[:100]) for day, name in sorted(calendar.items())]
        Holiday.objects.bulk_create(rows, ignore_conflicts=True)
        self.stdout.write(f"{len(rows)} holidays of {country} for {years} are in the calendar.")
