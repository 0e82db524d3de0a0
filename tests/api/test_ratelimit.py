"""Rate limits, in process and shared through a real Redis."""

import os
import uuid

import pytest

from scim_gateway.ratelimit import RateLimits

REDIS_URL = os.environ.get("SCIM_GATEWAY_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url():
    """The Redis the shared limits use; without it, fail saying what to start (never skip)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({error}). Start it "
            "(`redis-server --daemonize yes --bind 127.0.0.1`; `.ci/run` does) or point "
            "SCIM_GATEWAY_TEST_REDIS elsewhere; the Redis tests are never skipped.",
            pytrace=False,
        )
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def make_limits(request):
    """Build rate limits the way several instances would: each its own object."""
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    shared = None if url else RateLimits(None)
    return lambda: RateLimits(url) if url else shared


def test_allows_up_to_the_limit_then_says_how_long_to_wait(make_limits):
    limits = make_limits()
    key = uuid.uuid4().hex

    allowed = [limits.hit("3/minute", "test", key) for _ in range(3)]
    refused = limits.hit("3/minute", "test", key)

    assert allowed == [None, None, None]
    assert refused is not None and 1 <= refused <= 60


def test_instances_sharing_redis_share_the_count(make_limits):
    first, second = make_limits(), make_limits()
    key = uuid.uuid4().hex

    first.hit("2/minute", "test", key)
    second.hit("2/minute", "test", key)

    assert first.hit("2/minute", "test", key) is not None


def test_clearing_forgets_the_hits(make_limits):
    limits = make_limits()
    key = uuid.uuid4().hex
    limits.hit("1/minute", "test", key)

    limits.clear("1/minute", "test", key)

    assert limits.hit("1/minute", "test", key) is None
