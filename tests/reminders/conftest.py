"""Real Celery workers on the real Redis and PostgreSQL, started and stopped by the tests.

The broker is Redis database 5 unless REMINDER_TEST_BROKER_URL says otherwise, so these tests
do not read or drop other queues (a test that restarts Redis starts its own). The workers run
`config.settings.test` against the test database of this run and send through SMTP to a real
server the test started (tests/reminders/smtp_server.py), where the messages are counted.
"""

import os
import signal
import socket
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
from kombu import pools

from config.celery_app import app
from tests.reminders.smtp_server import SMTPServer

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


# The workers' database sessions carry this name, so a test can cut exactly those.
WORKER_APPLICATION_NAME = "outbox-test-worker"


def database_url(application_name: str | None = None) -> str:
    """The test database of this run (test_<name>), as the worker's DATABASE_URL."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    url = f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"
    return f"{url}?application_name={application_name}" if application_name else url


class Worker:
    """One `celery worker` process group (the main process and its pool)."""

    def __init__(self, *, log_dir: Path, name: str, environment: dict, beat: bool):
        self.log_dir, self.name, self.extra, self.beat = log_dir, name, environment, beat
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.log_dir / f"{self.name}-{self.starts}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(WORKER_APPLICATION_NAME),
            "REDIS_URL": BROKER_URL,
            "EMAIL_BACKEND": "reminders.mail.EmailBackend",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **self.extra,
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
            *("--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("--hostname", f"reminders-test-{uuid.uuid4().hex[:8]}@%h"),
        ]
        if self.beat:  # beat inside this worker: the periodic scans run on their own
            command += ["--beat", "--schedule", str(self.log_dir / "beat-schedule")]
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

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

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


def route_tasks_to(settings, broker_url: str) -> None:
    """Publish this process's tasks to `broker_url` (not run in-process, as tests otherwise
    do): set through Django's settings, which Celery reads; kombu's pools are dropped so the
    next message goes there."""
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = broker_url, False
    drop_producer_pools()


def drop_producer_pools() -> None:
    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """Redis database 5, emptied before and after the test; this process publishes there."""
    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    route_tasks_to(settings, BROKER_URL)
    yield client
    drop_producer_pools()
    client.flushdb()
    client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone (the machine's own is shared: never restarted)."""

    def __init__(self, directory: Path):
        self.directory, self.port = directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1"),
                *("--port", str(self.port), "--save", "", "--appendonly", "no"),
                *("--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")),
                *("--pidfile", str(self.directory / "redis.pid")),
            ],
            check=True,
        )
        wait_for(self.up, timeout=20, what="the private Redis to start")

    def stop(self) -> None:
        """As a crash of the broker: the queued messages die with it (no persistence)."""
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )
        wait_for(lambda: not self.up(), timeout=20, what="the private Redis to stop")

    def up(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
    drop_producer_pools()  # the next message goes to the broker configured then


def publisher(broker_url: str):
    """`publish(task, *args)`: queue a task on that broker (ids only, like production).

    `send_task` always publishes, whereas the test settings run `apply_async` in-process.
    It goes through the same guard against PHI in task arguments.
    """

    def send(task, *args):
        with (
            app.connection_for_write(broker_url) as broker_connection,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", AlwaysEagerIgnored)  # publishing is the point
            app.send_task(task.name, args, connection=broker_connection)

    return send


@pytest.fixture
def publish(broker):
    return publisher(BROKER_URL)


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    yield server
    server.close()


@pytest.fixture
def start_worker(broker, smtp_server, tmp_path):
    """`start_worker(**environment)` starts a worker sending to `smtp_server`; every worker
    is stopped at the end. Keyword arguments are settings for it (environment variables)."""
    workers: list[Worker] = []

    def start(*, beat: bool = False, **environment) -> Worker:
        environment = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            **{name: str(value) for name, value in environment.items()},
        }
        worker = Worker(
            log_dir=tmp_path, name=f"worker{len(workers)}", environment=environment, beat=beat
        )
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
