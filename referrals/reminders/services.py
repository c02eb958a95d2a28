"""Entry points used by the Celery tasks and the `scan_reminders` command."""

import datetime
from collections.abc import Callable

from django.db import transaction

from referrals.reminders.scan import ScanResult, reminders_scan
from referrals.tasks import send_reminder


def reminders_scan_and_queue(
    *, today: datetime.date | None = None, queue: Callable[[int], object] | None = None
) -> ScanResult:
    """Scan, then queue one send task per pending reminder once the rows are committed.

    `queue` defaults to `send_reminder.delay` (ids only in the message: no PHI in the broker).
    """
    if queue is None:
        queue = send_reminder.delay
    result = reminders_scan(today=today)
    pending = result.pending
    transaction.on_commit(lambda: [queue(reminder_id) for reminder_id in pending])
    return result
