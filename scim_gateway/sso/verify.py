"""Verify the identity provider's answer at the callback: error, iss, code, ID token, userinfo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App
from flask import request
from flask_babel import gettext as _
from joserfc.errors import ExpiredTokenError, JoseError

from seat_core import Identity
from seat_core.web_sessions import Flow

from .clients import Provider, SignInFailed, identity_from, metadata_of


def verify_callback(
    provider: Provider, client: FlaskOAuth2App, flow: Flow
) -> tuple[Identity, str | None]:
    """Return the verified identity of the callback's request and the raw ID token.

    The flow was this browser's and is used up already, so a failed answer cannot be
    completed later. The code is exchanged with the flow's PKCE verifier, and the ID token
    checked by check_id_token against the flow's nonce.

    :raises SignInFailed: for every answer that does not prove who the person is.
    """
    metadata = metadata_of(client, provider)
    # RFC 9207: the iss parameter tells which provider answered, defeating mix-up attacks.
    iss = request.args.get("iss")
    if iss is None and metadata.get("authorization_response_iss_parameter_supported"):
        raise SignInFailed(
            _("The answer from the identity provider is incomplete. Sign in again."),
            detail="iss parameter missing though the provider advertises it",
        )
    if iss is not None and iss.rstrip("/") != provider.issuer:
        raise SignInFailed(
            _(
                "The answer came from another identity provider than %(organization)s's. "
                "Sign in again.",
                organization=provider.name,
            ),
            detail=f"iss parameter {iss!r} is not the issuer {provider.issuer!r}",
        )
    error = request.args.get("error")
    if error:
        description = request.args.get("error_description") or ""
        raise SignInFailed(
            _(
                "The identity provider of %(organization)s did not sign you in (%(error)s). "
                "Sign in again.",
                organization=provider.name,
                error=error,
            ),
            detail=f"error={error} {description}".strip(),
        )
    code = request.args.get("code")
    if not code:
        raise SignInFailed(
            _("The answer from the identity provider is incomplete. Sign in again."),
            detail="no code parameter",
        )
    try:
        token: dict[str, Any] = client.fetch_access_token(
            redirect_uri=provider.redirect_uri, code=code, code_verifier=flow.code_verifier
        )
    except OAuthError as failure:
        raise SignInFailed(
            _(
                "The identity provider of %(organization)s refused to complete the sign-in. "
                "Sign in again.",
                organization=provider.name,
            ),
            detail=f"token endpoint: {failure.error} {failure.description or ''}".strip(),
        ) from None
    except requests.RequestException as failure:
        raise SignInFailed(
            _(
                "The identity provider of %(organization)s cannot be reached. Try again later.",
                organization=provider.name,
            ),
            detail=f"token request failed: {failure}",
            status=502,
        ) from None
    claims = check_id_token(client, token, nonce=flow.nonce)
    identity = identity_from(provider, claims, lambda: client.userinfo(token=token))
    return identity, token.get("id_token")


def check_id_token(
    client: FlaskOAuth2App, token: Mapping[str, Any], *, nonce: str
) -> Mapping[str, Any]:
    """Return the claims of the token response's ID token, verified for this sign-in.

    authlib checks the signature against the provider's keys, iss, aud, exp (with two
    minutes' leeway for clocks) and the nonce the sign-in was started with.

    :raises SignInFailed: when there is no ID token or any of those checks fails.
    """
    if not token.get("id_token"):
        raise SignInFailed(
            _("The identity provider sent no ID token. Sign in again."),
            detail="no id_token in response",
        )
    try:
        claims: Mapping[str, Any] = client.parse_id_token(dict(token), nonce=nonce)
    except ExpiredTokenError:
        raise SignInFailed(
            _("The identity provider's ID token has expired. Sign in again."),
            detail="expired ID token",
        ) from None
    except (JoseError, AuthlibBaseError, ValueError, KeyError, TypeError) as failure:
        # Bad signature, wrong iss or aud, wrong nonce, malformed token.
        raise SignInFailed(
            _("The identity provider's ID token could not be verified. Sign in again."),
            detail=f"ID token rejected: {type(failure).__name__}: {failure}",
        ) from None
    except requests.RequestException as failure:
        # The provider's keys are fetched on first use.
        raise SignInFailed(
            _("The identity provider cannot be reached. Try again later."),
            detail=f"key set request failed: {failure}",
            status=502,
        ) from None
    return claims
