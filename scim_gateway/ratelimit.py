"""Rate limits shared by the app: in process by default, in Redis across instances."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import deque

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from . import metrics

# Limits are parsed once: the text comes from the configuration and rarely varies.
parse_limit = functools.lru_cache(maxsize=64)(parse)

# Sweep keys that went quiet every so many hits, so that memory follows the active keys.
SWEEP_EVERY = 1000


class LocalWindows:
    """Moving windows in this process's memory.

    limits' MemoryStorage starts a timer thread for its expiry whenever the last one has
    finished, i.e. on nearly every hit under load; this keeps the same moving window with
    no thread at all, pruning each key's hits as it is counted.
    """

    def __init__(self) -> None:
        self._hits: dict[tuple[str, ...], tuple[float, deque[float]]] = {}
        self._lock = threading.Lock()
        self._count = 0

    def hit(self, item: RateLimitItem, keys: tuple[str, ...]) -> float | None:
        """Count one hit; return None if allowed, else the seconds until one is."""
        window = float(item.get_expiry())
        key = (item.key_for(), *keys)
        now = time.monotonic()
        with self._lock:
            self._count += 1
            if self._count % SWEEP_EVERY == 0:
                self._sweep(now)
            _, hits = self._hits.setdefault(key, (window, deque()))
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= item.amount:
                return hits[len(hits) - item.amount] + window - now
            hits.append(now)
            return None

    def clear(self, item: RateLimitItem, keys: tuple[str, ...]) -> None:
        with self._lock:
            self._hits.pop((item.key_for(), *keys), None)

    def _sweep(self, now: float) -> None:
        quiet = [
            key
            for key, (window, hits) in self._hits.items()
            if not hits or hits[-1] <= now - window
        ]
        for key in quiet:
            del self._hits[key]


class RateLimits:
    """One limiter per app; its storage is Redis when SCIM_GATEWAY_REDIS_URL is set."""

    def __init__(self, redis_url: str | None) -> None:
        self.local = None if redis_url else LocalWindows()
        self.limiter = (
            MovingWindowRateLimiter(storage_from_string(redis_url)) if redis_url else None
        )

    def hit(self, limit: str, *keys: str) -> int | None:
        """Count one hit; return None if allowed, else the seconds to wait."""
        item = parse_limit(limit)
        if self.local is not None:
            wait = self.local.hit(item, keys)
            return None if wait is None else max(1, math.ceil(wait))
        assert self.limiter is not None
        if self.limiter.hit(item, *keys):
            return None
        reset_at, _ = self.limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(reset_at - time.time()))

    def clear(self, limit: str, *keys: str) -> None:
        """Forget the hits counted for keys, e.g. after a successful sign-in."""
        if self.local is not None:
            self.local.clear(parse_limit(limit), keys)
        elif self.limiter is not None:
            self.limiter.clear(parse_limit(limit), *keys)


def init_app(app: Flask) -> None:
    """Attach the rate limits to the app."""
    app.extensions["ratelimits"] = RateLimits(app.config.get("REDIS_URL"))


def hit(limit: str, *keys: str) -> int | None:
    """Count a hit against the current app's limits; return the seconds to wait, if any.

    keys[0] names the limit (a literal at every call site): refusals are counted under it.
    """
    limits: RateLimits = current_app.extensions["ratelimits"]
    wait = limits.hit(limit, *keys)
    if wait is not None:
        metrics.rate_limited(keys[0])
    return wait
