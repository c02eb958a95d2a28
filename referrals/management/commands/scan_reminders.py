"""Run the reminder scan once: for operators, and for the embedded set-up without Redis."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from referrals.reminders import delivery
from referrals.reminders.scan import reminders_scan
from referrals.reminders.services import reminders_scan_and_queue


class Command(BaseCommand):
    help = (
        "Find late steps, create their reminders and send what is unsent: through the Celery "
        "workers when a broker is configured (REDIS_URL), in this process otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="Send in this process even when a Celery broker is configured.",
        )
        parser.add_argument(
            "--digests",
            action="store_true",
            help="Also send the daily digests now (beat does it every morning).",
        )

    def handle(self, *args, in_process: bool, digests: bool, **options):
        in_process = in_process or settings.CELERY_TASK_ALWAYS_EAGER
        failures: list[str] = []
        if in_process:
            result = reminders_scan()
            send = self._sender(failures, delivery.reminder_send, "reminder_id")
            for reminder_id in result.pending:
                send(reminder_id)
        else:
            result = reminders_scan_and_queue()
        if not result.ran:
            self.stdout.write("Another scan is running; nothing done.")
            return
        verb = "sent in this process" if in_process else "queued for the workers"
        self.stdout.write(
            f"Late steps: {result.late_steps}. Reminders created: {result.created}. "
            f"Unsent reminders {verb}: {len(result.pending) - len(failures)}."
        )
        if digests:
            self._digests(in_process, failures)
        if failures:
            raise CommandError(
                f"{len(failures)} e-mail(s) failed and stay pending for the next scan: "
                + "; ".join(failures)
            )

    def _sender(self, failures: list[str], send, key: str):
        def send_one(object_id: int) -> None:
            try:
                send(**{key: object_id})
            except OSError as error:  # the mail server refused or is unreachable
                failures.append(f"{key} {object_id}: {type(error).__name__}: {error}")

        return send_one

    def _digests(self, in_process: bool, failures: list[str]) -> None:
        recipients = delivery.digest_recipient_ids()
        if in_process:
            send = self._sender(failures, delivery.reminder_digest_send, "recipient_id")
        else:
            from referrals.tasks import send_reminder_digest

            send = send_reminder_digest.delay
        for recipient_id in recipients:
            send(recipient_id)
        self.stdout.write(f"Daily digests for {len(recipients)} recipient(s) handled.")
