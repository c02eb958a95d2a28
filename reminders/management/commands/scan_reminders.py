"""Run the reminder scan once: for operators, and for the embedded set-up without Redis."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reminders import delivery, outbox
from reminders.models import OutgoingEmail
from reminders.scan import reminders_scan
from reminders.services import reminders_scan_and_queue


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
        before = set(_undelivered())
        if in_process:
            result = reminders_scan()
            for reminder_id in result.pending:
                delivery.reminder_send(reminder_id=reminder_id, in_process=True)
        else:
            try:
                result = reminders_scan_and_queue()
            except outbox.BrokerUnavailable as error:
                raise CommandError(f"Reminders created but not queued: {error}.") from None
        if not result.ran:
            self.stdout.write("Another scan is running; nothing done.")
            return
        verb = "handed to the outbox" if in_process else "queued for the workers"
        self.stdout.write(
            f"Late steps: {result.late_steps}. Reminders created: {result.created}. "
            f"Unsent reminders {verb}: {len(result.pending)}."
        )
        if digests:
            self._digests(in_process)
        failed = [email for email in _undelivered() if email not in before] if in_process else []
        if failed:
            raise CommandError(
                f"{len(failed)} e-mail(s) failed and stay pending in the outbox for its retries: "
                + "; ".join(failed)
            )

    def _digests(self, in_process: bool) -> None:
        recipients = delivery.digest_recipient_ids()
        for recipient_id in recipients:
            if in_process:
                delivery.reminder_digest_send(recipient_id=recipient_id, in_process=True)
            else:
                from reminders.tasks import send_reminder_digest

                send_reminder_digest.delay(recipient_id)
        self.stdout.write(f"Daily digests for {len(recipients)} recipient(s) handled.")


def _undelivered() -> list[str]:
    """Outbox messages not sent whose last attempt failed, as `id: error`."""
    rows = OutgoingEmail.objects.filter(sent_at__isnull=True).exclude(last_error="")
    return [f"e-mail {pk}: {error}" for pk, error in rows.values_list("pk", "last_error")]
