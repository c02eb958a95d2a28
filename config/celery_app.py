"""The Celery application, configured from Django settings (keys prefixed CELERY_)."""

import os
import re
import uuid

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# No PHI in task messages (they sit in Redis and in worker logs): our tasks take ids, a UUID
# or a short lower-case code ("records", "daily_digest"). Celery's own tasks are not checked.
GUARDED_TASK_PREFIXES = ("referrals.", "reports.", "audit.", "reminders.")
SHORT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PHIInTaskArguments(ValueError):
    """A task of ours was queued with an argument that is not an id, a UUID or a code."""


def _is_safe_argument(value) -> bool:
    if value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, list | tuple):
        return all(_is_safe_argument(item) for item in value)
    if not isinstance(value, str):
        return False
    if SHORT_CODE.match(value):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def refuse_phi_in_task_arguments(task_name: str, args, kwargs) -> None:
    """Raise PHIInTaskArguments (naming the argument, never its value) for an unsafe one."""
    if not task_name.startswith(GUARDED_TASK_PREFIXES):
        return
    named = [(str(position), value) for position, value in enumerate(args or ())]
    named += list((kwargs or {}).items())
    for name, value in named:
        if not _is_safe_argument(value):
            raise PHIInTaskArguments(
                f"{task_name}: argument {name} is not an id, a UUID or a code; "
                "pass ids and let the task read the rest."
            )


# The guard sits on the two ways out rather than on the before_task_publish signal: Celery
# catches and only logs what a signal receiver raises, so a receiver cannot stop a message.
class GuardedTask(Task):
    def apply_async(self, args=None, kwargs=None, **options):
        # Also in eager mode (tests, `make run`), where no message is published.
        refuse_phi_in_task_arguments(self.name, args, kwargs)
        return super().apply_async(args, kwargs, **options)


class GuardedCelery(Celery):
    def send_task(self, name, args=None, kwargs=None, **options):
        refuse_phi_in_task_arguments(name, args, kwargs)
        return super().send_task(name, args, kwargs, **options)


app = GuardedCelery("second_opinion", task_cls=GuardedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
