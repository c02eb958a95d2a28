"""Entry points used by the Celery tasks and the `scan_reminders` command."""

import datetime
from collections.abc import Callable

from django.utils import timezone

from reminders.models import Reminder
from reminders.outbox import publish_marked
from reminders.scan import ScanResult, reminders_scan, reminders_to_queue
from reminders.tasks import send_reminder


def reminders_scan_and_queue(
    *, today: datetime.date | None = None, queue: Callable[[int], object] | None = None
) -> ScanResult:
    """Scan, then queue one send task per pending reminder once the rows are committed.

    `queue` defaults to `send_reminder.delay` (ids only in the message: no PHI in the broker).
    Raises reminders.outbox.BrokerUnavailable when the broker cannot be reached: the
    reminders it could not publish are left unmarked, for the next scan.
    """
    result = reminders_scan(today=today)
    publish_marked(Reminder.objects, result.pending, send=queue or send_reminder.delay)
    return result


def reminders_requeue(*, queue: Callable[[int], object] | None = None) -> int:
    """Queue again the unsent reminders whose task is stale (the outbox scan, every minutes).

    Raises reminders.outbox.BrokerUnavailable as `reminders_scan_and_queue` does.
    """
    pending = reminders_to_queue(now=timezone.now())
    return publish_marked(Reminder.objects, pending, send=queue or send_reminder.delay)
