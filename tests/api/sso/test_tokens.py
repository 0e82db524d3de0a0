"""What the callback trusts (its own ID token check, userinfo, stored secrets), no provider."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from authlib.integrations.flask_client import FlaskOAuth2App
from flask import Flask
from joserfc import jwt
from joserfc.jwk import RSAKey

from scim_gateway.crypto import UnreadableSecret, decrypt, encrypt
from scim_gateway.sso.clients import Provider, SignInFailed, identity_from
from scim_gateway.sso.verify import check_id_token
from seat_core import Policy
from tests.conftest import TEST_CONFIG

ISSUER = "https://idp.acme.test"
CLIENT_ID = "seat-gateway"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
PROVIDER = Provider(
    organization_id=1,
    slug="acme",
    name="Acme",
    issuer=ISSUER,
    client_id=CLIENT_ID,
    client_secret="s",
    policy=Policy(),
    product_url="https://product.example",
    updated_at=datetime(2025, 3, 1, tzinfo=UTC),
)


@pytest.fixture
def client(sqlite_app: Flask) -> Iterator[FlaskOAuth2App]:
    """A client of the app's registry that knows the provider's keys without fetching them."""
    with sqlite_app.app_context():
        oauth = sqlite_app.extensions["authlib.integrations.flask_client"]
        yield oauth.register(
            "static",
            client_id=CLIENT_ID,
            client_secret="s",
            issuer=ISSUER,
            jwks={"keys": [KEY.as_dict(private=False)]},
            id_token_signing_alg_values_supported=["RS256"],
        )


def id_token(key: RSAKey = KEY, **claims: Any) -> dict[str, str]:
    """Return a token response whose ID token, issued now, carries claims over sound ones."""
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "ann",
        "exp": now + 300,
        "iat": now,
        "nonce": "n-1",
        **claims,
    }
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, payload, key)
    return {"id_token": token, "access_token": "at"}


def test_a_sound_id_token_is_accepted(client: FlaskOAuth2App) -> None:
    token = id_token(email="ann@acme.test")

    claims = check_id_token(client, token, nonce="n-1")

    assert claims["sub"] == "ann" and claims["email"] == "ann@acme.test"


def test_an_expired_id_token_is_refused(client: FlaskOAuth2App) -> None:
    # Beyond the two minutes' leeway allowed for clocks.
    an_hour_ago = int(time.time()) - 3600
    token = id_token(exp=an_hour_ago + 300, iat=an_hour_ago)

    with pytest.raises(SignInFailed) as refused:
        check_id_token(client, token, nonce="n-1")

    assert refused.value.status == 400 and "has expired" in refused.value.message


@pytest.mark.parametrize(
    "claims",
    [{"aud": "another-client"}, {"iss": "https://evil.example"}, {"nonce": "n-2"}],
    ids=["other-audience", "other-issuer", "other-nonce"],
)
def test_an_id_token_not_made_for_this_sign_in_is_refused(
    client: FlaskOAuth2App, claims: dict[str, str]
) -> None:
    token = id_token(**claims)

    with pytest.raises(SignInFailed) as refused:
        check_id_token(client, token, nonce="n-1")

    assert refused.value.status == 400 and "could not be verified" in refused.value.message


def test_an_id_token_signed_with_another_key_is_refused(client: FlaskOAuth2App) -> None:
    forger = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
    token = id_token(forger)

    with pytest.raises(SignInFailed) as refused:
        check_id_token(client, token, nonce="n-1")

    assert refused.value.status == 400 and "could not be verified" in refused.value.message


def test_a_token_response_without_an_id_token_is_refused(client: FlaskOAuth2App) -> None:
    with pytest.raises(SignInFailed) as refused:
        check_id_token(client, {"access_token": "at"}, nonce="n-1")

    assert "sent no ID token" in refused.value.message


def test_the_email_comes_from_the_id_token_when_it_has_one() -> None:
    def unexpected() -> dict[str, Any]:
        raise AssertionError("userinfo must not be fetched")

    claims = {"sub": "ann", "email": "ann@acme.test", "email_verified": "true", "name": "Ann"}
    identity = identity_from(PROVIDER, claims, unexpected)

    assert (identity.issuer, identity.subject, identity.email) == (ISSUER, "ann", "ann@acme.test")
    assert identity.email_verified is True and identity.name == "Ann"


def test_a_missing_email_is_asked_of_userinfo_for_the_same_subject() -> None:
    identity = identity_from(
        PROVIDER, {"sub": "ann"}, lambda: {"sub": "ann", "email": "ann@acme.test"}
    )

    assert identity.email == "ann@acme.test" and identity.email_verified is None


def test_userinfo_about_another_subject_is_refused() -> None:
    with pytest.raises(SignInFailed) as failed:
        identity_from(PROVIDER, {"sub": "ann"}, lambda: {"sub": "eve", "email": "eve@acme.test"})

    assert failed.value.status == 400 and "another person" in failed.value.message


def test_a_client_secret_is_stored_encrypted_and_read_back_with_the_same_key() -> None:
    stored = encrypt("s3cret", TEST_CONFIG["ENCRYPTION_KEY"])

    assert "s3cret" not in stored
    assert decrypt(stored, TEST_CONFIG["ENCRYPTION_KEY"]) == "s3cret"
    with pytest.raises(UnreadableSecret):
        decrypt(stored, "Yn5qJ0ZkY3F4b2pJb1lmM0VqNzR2cGQ2a2xOV2tVQ3g=")
