"""Throttling holds under concurrency: counted on the shared Redis cache, atomically."""

import os
import threading
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from rest_framework.test import APIRequestFactory

from core import throttling
from core.throttling import AnonRateThrottle

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache = caches["default"]
    yield cache
    cache.clear()


def test_no_more_requests_pass_than_the_rate_when_many_arrive_at_once(redis_cache, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "100/min", raising=False)
    monkeypatch.setattr(AnonRateThrottle, "cache", redis_cache)
    request = APIRequestFactory().get("/api/v1/", REMOTE_ADDR="203.0.113.7")
    request.user = AnonymousUser()
    passed = []
    start = threading.Barrier(8)

    def client() -> None:
        start.wait()
        for _ in range(40):  # 8 × 40 = 320 requests within the minute
            if AnonRateThrottle().allow_request(request, view=None):
                passed.append(1)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The window may turn over during the run: at most one more window's allowance.
    assert len(passed) in (100, 200)
    throttle = AnonRateThrottle()
    assert not throttle.allow_request(request, view=None) or len(passed) == 100
    assert 0 <= throttle.wait() <= 60


def test_on_redis_a_request_is_counted_in_one_round_trip(redis_cache, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    monkeypatch.setattr(AnonRateThrottle, "cache", redis_cache)
    # All four requests in one window, whenever the test runs.
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    request = APIRequestFactory().get("/api/v1/", REMOTE_ADDR="203.0.113.8")
    request.user = AnonymousUser()
    client = redis_cache._cache.get_client(write=True)
    pipeline_class = type(client.pipeline())
    sent = []
    execute = pipeline_class.execute

    def counted_execute(pipeline, *args, **kwargs):
        sent.append(len(pipeline.command_stack))
        return execute(pipeline, *args, **kwargs)

    monkeypatch.setattr(pipeline_class, "execute", counted_execute)
    throttle = AnonRateThrottle()
    allowed = [throttle.allow_request(request, view=None) for _ in range(4)]

    assert allowed == [True, True, True, False]
    assert sent == [2, 2, 2, 2]  # SET NX EX and INCR, sent together
    key = redis_cache.make_and_validate_key(f"{throttle.key}:{1_800_000_030 // 60}")
    assert int(client.get(key)) == 4
    assert 0 < client.ttl(key) <= 61
