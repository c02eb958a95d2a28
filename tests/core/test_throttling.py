"""Throttling holds under concurrency: counted on the shared Redis cache, atomically."""

import os
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from rest_framework.test import APIRequestFactory

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
