"""Verify the identity provider's answer at the callback: error, iss, state, tokens, userinfo."""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App
from flask import request, session
from joserfc.errors import ExpiredTokenError, JoseError

from ..gate import Identity
from .clients import Provider, SignInFailed, identity_from, metadata_of

AGAIN = "Sign in again."


def verify_callback(
    provider: Provider, client: FlaskOAuth2App, state: str
) -> tuple[Identity, str | None]:
    """Return the verified identity of the callback's request and the raw ID token.

    authlib checks the state against the Flask session (and forgets it, so a replay
    fails), sends the PKCE verifier, and validates the ID token: signature against the
    provider's keys, iss, aud, exp and the nonce sent at login.

    :raises SignInFailed: for every answer that does not prove who the person is.
    """
    metadata = metadata_of(client, provider)
    # RFC 9207: the iss parameter tells which provider answered, defeating mix-up attacks.
    iss = request.args.get("iss")
    if iss is None and metadata.get("authorization_response_iss_parameter_supported"):
        _forget(client, state)
        raise SignInFailed(
            f"The answer from the identity provider is incomplete. {AGAIN}",
            detail="iss parameter missing though the provider advertises it",
        )
    if iss is not None and iss.rstrip("/") != provider.issuer:
        _forget(client, state)
        raise SignInFailed(
            f"The answer came from another identity provider than {provider.name}'s. {AGAIN}",
            detail=f"iss parameter {iss!r} is not the issuer {provider.issuer!r}",
        )
    error = request.args.get("error")
    if error:
        _forget(client, state)
        description = request.args.get("error_description") or ""
        raise SignInFailed(
            f"The identity provider of {provider.name} did not sign you in ({error}). {AGAIN}",
            detail=f"error={error} {description}".strip(),
        )
    try:
        token: dict[str, Any] = client.authorize_access_token()
    except MismatchingStateError:
        raise SignInFailed(
            f"This sign-in has expired, was already used, or was not started here. {AGAIN}",
            detail="unknown, replayed or forged state",
        ) from None
    except OAuthError as failure:
        raise SignInFailed(
            f"The identity provider of {provider.name} refused to complete the sign-in. {AGAIN}",
            detail=f"token endpoint: {failure.error} {failure.description or ''}".strip(),
        ) from None
    except ExpiredTokenError:
        raise SignInFailed(
            f"The identity provider's ID token has expired. {AGAIN}",
            detail="expired ID token",
        ) from None
    except (JoseError, AuthlibBaseError, ValueError, KeyError, TypeError) as failure:
        # Bad signature, wrong iss or aud, wrong nonce, malformed token.
        raise SignInFailed(
            f"The identity provider's ID token could not be verified. {AGAIN}",
            detail=f"ID token rejected: {type(failure).__name__}: {failure}",
        ) from None
    except requests.RequestException as failure:
        raise SignInFailed(
            f"The identity provider of {provider.name} cannot be reached. Try again later.",
            detail=f"token request failed: {failure}",
            status=502,
        ) from None
    claims = token.get("userinfo")
    if not claims:
        raise SignInFailed(
            f"The identity provider sent no ID token. {AGAIN}", detail="no id_token in response"
        )
    identity = identity_from(provider, claims, lambda: client.userinfo(token=token))
    return identity, token.get("id_token")


def _forget(client: FlaskOAuth2App, state: str) -> None:
    """Forget the flow's state, so that a failed answer cannot be completed later."""
    if state:
        client.framework.clear_state_data(session, state)
