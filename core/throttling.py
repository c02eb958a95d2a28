"""DRF throttles whose counts hold under concurrency: one atomic INCR per request.

DRF's own throttles read the client's request history from the cache, append, and write it
back: two web processes doing so at once both read the same history, and both requests pass
(1,164 got through a 1,000/minute limit in a load test). These count in a fixed window per
client instead: `cache.add` creates the window's counter with its expiry, `cache.incr` (Redis
INCR) counts atomically, so no more than the rate passes in any window, whatever the
concurrency. The price of a fixed window: a client may spend one window's allowance at its end
and the next at the start of the next.
"""

import time

from rest_framework import throttling


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
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the counter expired between the two calls
            self.cache.add(key, 1, timeout=self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_ends - time.time())


class AnonRateThrottle(AtomicCountMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(AtomicCountMixin, throttling.UserRateThrottle):
    pass
