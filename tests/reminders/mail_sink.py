"""Mail delivered by a Celery worker into files the tests count (the worker's EMAIL_BACKEND).

`SlowFileBackend` plays a mail server that takes MAIL_SINK_DELAY seconds to accept each
message. While a message is in transit, a marker file holds the time it will be accepted, so
a test can kill the worker in the middle of sending, before the mail server has the message
(and not in the instant between delivery and the sender's COMMIT).
"""

import email
import email.policy
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.mail.backends import filebased
from django.db import transaction

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


class SlowFileBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("MAIL_SINK_DELAY", "0"))
        marker = Path(self.file_path) / f"in-transit-{os.getpid()}"
        marker.write_text(str(time.time() + delay))
        time.sleep(delay)
        sent = super().send_messages(email_messages)
        # Delivered, but only recorded once the sender commits: until then the marker stays,
        # its time passed, and a test waiting for a clean moment to kill keeps waiting.
        transaction.on_commit(lambda: marker.unlink(missing_ok=True))
        return sent


@dataclass(frozen=True)
class DeliveredMail:
    to: str
    subject: str
    message_id: str
    text: str
    html: str


def delivered(mail_dir: Path) -> list[DeliveredMail]:
    """Every completely written message (a write cut short by a kill was never delivered)."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        *complete, _unfinished = path.read_bytes().split(SEPARATOR)
        for raw in complete:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            found.append(
                DeliveredMail(
                    to=str(message["To"]),
                    subject=str(message["Subject"]),
                    message_id=str(message["Message-ID"]),
                    text=message.get_body(preferencelist=("plain",)).get_content(),
                    html=message.get_body(preferencelist=("html",)).get_content(),
                )
            )
    return found


def seconds_left_in_transit(mail_dir: Path) -> float:
    """How long the soonest message in transit has before delivery (negative: delivered but
    not yet recorded)."""
    deadlines = []
    for marker in mail_dir.glob("in-transit-*"):
        try:
            deadlines.append(float(marker.read_text()))
        except (OSError, ValueError):  # removed or half-written right now
            continue
    return min(deadlines, default=time.time()) - time.time()


class RefusingBackend(filebased.EmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server refused the connection")
