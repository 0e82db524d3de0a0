"""A worker remembers live SCIM tokens for a bounded time: revocation is seen within it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from scim_gateway.db import transaction
from scim_gateway.tokens import LiveToken, TokenCache, hash_token, revoke_token
from seat_core.models import ApiToken, Organization

from .conftest import Scim


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def revoke(scim: Scim) -> None:
    with scim.app.app_context(), transaction() as session:
        token = session.scalars(
            select(ApiToken).where(ApiToken.token_hash == hash_token(scim.token))
        ).one()
        organization = session.get(Organization, token.organization_id)
        assert organization is not None
        assert revoke_token(session, organization, token.id, at=datetime.now(UTC))


def test_a_revoked_token_works_no_longer_than_the_cache_bound(scim: Scim) -> None:
    clock = Clock()
    scim.app.extensions["scim_tokens"] = TokenCache(2, clock=clock)
    assert scim.get("/Users").status_code == 200

    revoke(scim)
    clock.seconds += 1.9
    within = scim.get("/Users").status_code
    clock.seconds += 0.1
    after = scim.get("/Users").status_code

    assert within == 200, "remembered for at most the bound"
    assert after == 401


def test_with_a_bound_of_zero_a_revoked_token_is_refused_at_once(scim: Scim) -> None:
    scim.app.config["SCIM_TOKEN_CACHE_SECONDS"] = 0
    assert scim.get("/Users").status_code == 200

    revoke(scim)

    assert scim.get("/Users").status_code == 401


def test_a_remembered_token_is_read_again_only_after_the_bound() -> None:
    clock = Clock()
    cache = TokenCache(2, clock=clock)
    loads: list[str] = []
    at = datetime.now(UTC)

    def load(token_hash: str) -> LiveToken:
        loads.append(token_hash)
        return LiveToken(7, 3, None)

    first = cache.find("secret", kind="scim", at=at, load=load)
    clock.seconds += 1.9
    cache.find("secret", kind="scim", at=at, load=load)
    clock.seconds += 0.1
    cache.find("secret", kind="scim", at=at, load=load)

    assert first == LiveToken(7, 3, None)
    assert loads == [hash_token("secret"), hash_token("secret")]


def test_a_remembered_token_is_refused_from_its_expiry_on() -> None:
    at = datetime.now(UTC)
    cache = TokenCache(60, clock=Clock())
    token = LiveToken(7, 3, at + timedelta(seconds=1))

    before = cache.find("secret", kind="scim", at=at, load=lambda _: token)
    after = cache.find("secret", kind="scim", at=at + timedelta(seconds=1), load=lambda _: token)

    assert before == token
    assert after is None


def test_unknown_secrets_are_not_remembered_and_the_cache_keeps_its_size() -> None:
    cache = TokenCache(60, size=2, clock=Clock())
    at = datetime.now(UTC)

    unknown = cache.find("nope", kind="scim", at=at, load=lambda _: None)
    for secret in ("a", "b", "c"):
        cache.find(secret, kind="scim", at=at, load=lambda _: LiveToken(1, 1, None))

    assert unknown is None
    assert len(cache._tokens) == 2
