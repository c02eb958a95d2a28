"""A real Celery worker on the real Redis and PostgreSQL, started and stopped by the tests.

The broker is Redis database 5 unless REMINDER_TEST_BROKER_URL says otherwise, so these tests
do not read or drop other queues. The worker runs `config.settings.test` against the test
database of this run and delivers mail into a folder (tests/reminders/mail_sink.py).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

import pytest
import redis
from celery.exceptions import AlwaysEagerIgnored
from django.db import connection

from config.celery_app import app
from tests.reminders.mail_sink import delivered

BROKER_URL = os.environ.get("REMINDER_TEST_BROKER_URL", "redis://127.0.0.1:6379/5")
REPOSITORY = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url() -> str:
    """The test database of this run (test_<name>), as the worker's DATABASE_URL."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


class Worker:
    """One `celery worker` process group (the main process and its pool)."""

    def __init__(self, *, mail_dir: Path, log_dir: Path, mail_delay: float):
        self.mail_dir, self.log_dir, self.mail_delay = mail_dir, log_dir, mail_delay
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.log_dir / f"worker-{self.starts}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": BROKER_URL,
            "EMAIL_BACKEND": "tests.reminders.mail_sink.SlowFileBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "MAIL_SINK_DELAY": str(self.mail_delay),
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
            *("--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("--hostname", f"reminders-test-{uuid.uuid4().hex[:8]}@%h"),
        ]
        with self.log_path.open("wb") as log:
            # Its own process group: a kill reaches the pool processes too, as a crash would.
            self.process = subprocess.Popen(
                command,
                cwd=REPOSITORY,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._ready, timeout=READY_TIMEOUT, what=f"the worker ({self.log_path})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{self.log_path.read_text()[-3000:]}")
        return b" ready." in self.log_path.read_bytes()

    def kill(self) -> None:
        """SIGKILL the whole worker, as a crashed machine would stop it."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def broker():
    """Redis database 5, emptied before and after the test."""
    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def publish(broker):
    """`publish(task, *args)`: queue a task on the test broker (ids only, like production).

    `send_task` always publishes, whereas the test settings run `apply_async` in-process.
    It goes through the same guard against PHI in task arguments.
    """

    def send(task, *args):
        with (
            app.connection_for_write(BROKER_URL) as broker_connection,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", AlwaysEagerIgnored)  # publishing is the point
            app.send_task(task.name, args, connection=broker_connection)

    return send


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def start_worker(broker, mail_dir, tmp_path):
    """`start_worker(mail_delay=...)` starts a worker; every worker is stopped at the end."""
    workers: list[Worker] = []

    def start(*, mail_delay: float = 0.0) -> Worker:
        worker = Worker(mail_dir=mail_dir, log_dir=tmp_path, mail_delay=mail_delay)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def wait_for_mail(mail_dir):
    def wait(count: int, *, timeout: float = 60):
        return wait_for(
            lambda: len(found := delivered(mail_dir)) >= count and found,
            timeout=timeout,
            what=f"{count} delivered e-mails (have {len(delivered(mail_dir))})",
        )

    return wait
