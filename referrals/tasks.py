"""The referrals' tasks (DESIGN §5). Arguments are ids only; every task is safe to run twice.

The services import the tasks they queue; these import the services inside their bodies.
"""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notify_event(event_id: int) -> int:
    """Kept for tasks queued before the outbox: writes the event's e-mails (once) and queues
    their delivery. Notifications are now written with the event itself (`record_event`)."""
    from django.db import transaction

    from referrals.models import ReferralEvent
    from referrals.notifications import event_notifications_add

    with transaction.atomic():
        event = ReferralEvent.objects.filter(pk=event_id).first()
        return 0 if event is None else len(event_notifications_add(event))
