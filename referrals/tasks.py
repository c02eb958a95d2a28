from celery import shared_task

from referrals.models import ReferralEvent
from referrals.notifications import send_event_notification


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def notify_event(event_id: int) -> int:
    """Tell the people concerned about one timeline event (ids only: no PHI in arguments)."""
    event = (
        ReferralEvent.objects.select_related(
            "referral__referring_oncologist", "referral__specialist"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    return send_event_notification(event)
