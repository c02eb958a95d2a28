"""Operators see the outbox in the admin: what waits, what failed, and retry it by hand."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reminders.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def email(key: str, **fields) -> OutgoingEmail:
    return OutgoingEmail.objects.create(
        key=key,
        kind="notification",
        to=f"{key}@example.org",
        subject=f"SO-{key}",
        text="-",
        **fields,
    )


def test_the_admin_lists_failed_messages_and_retries_them_with_the_same_message_id(
    client, mailoutbox
):
    operator = User.objects.create_superuser(email="ops@example.org", password="x" * 20)
    client.force_login(operator)
    now = timezone.now()
    failed = email("failed", failed_at=now, attempts=1, last_error="SMTPRecipientsRefused: 550")
    waiting = email("waiting", attempts=3, next_attempt_at=now + datetime.timedelta(minutes=4))
    email("sent", sent_at=now)
    page = reverse("admin:reminders_outgoingemail_changelist")

    listed = client.get(page, {"state": "failed"}).content.decode()

    assert "SO-failed" in listed and "SMTPRecipientsRefused: 550" in listed
    assert "SO-waiting" not in listed and "SO-sent" not in listed
    assert "SO-waiting" in client.get(page, {"state": "pending"}).content.decode()

    response = client.post(
        page, {"action": "retry", "_selected_action": [failed.pk, waiting.pk]}, follow=True
    )

    assert "2 e-mail(s) will be retried." in response.content.decode()
    assert sorted(message.subject for message in mailoutbox) == ["SO-failed", "SO-waiting"]
    assert {message.extra_headers["Message-ID"] for message in mailoutbox} == {
        failed.message_id,
        waiting.message_id,
    }
    assert OutgoingEmail.objects.filter(sent_at__isnull=False).count() == 3
