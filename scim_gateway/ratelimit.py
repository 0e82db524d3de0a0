"""Rate limits shared by the app: in process by default, in Redis across instances."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimits:
    """One limiter per app; its storage is Redis when SCIM_GATEWAY_REDIS_URL is set."""

    def __init__(self, redis_url: str | None) -> None:
        storage = storage_from_string(redis_url) if redis_url else MemoryStorage()
        self.limiter = MovingWindowRateLimiter(storage)

    def hit(self, limit: str, *keys: str) -> int | None:
        """Count one hit; return None if allowed, else the seconds to wait."""
        item = parse(limit)
        if self.limiter.hit(item, *keys):
            return None
        reset_at, _ = self.limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(reset_at - time.time()))

    def clear(self, limit: str, *keys: str) -> None:
        """Forget the hits counted for keys, e.g. after a successful sign-in."""
        self.limiter.clear(parse(limit), *keys)


def init_app(app: Flask) -> None:
    """Attach the rate limits to the app."""
    app.extensions["ratelimits"] = RateLimits(app.config.get("REDIS_URL"))


def hit(limit: str, *keys: str) -> int | None:
    """Count a hit against the current app's limits; return the seconds to wait, if any."""
    limits: RateLimits = current_app.extensions["ratelimits"]
    return limits.hit(limit, *keys)
