"""Each organization's OpenID Connect client, from its SsoConfig row, in the app's registry."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from seat_core import Identity, Policy
from seat_core.models import Organization, SsoConfig

from ..crypto import decrypt
from . import bp
from .errors import SignInFailed
from .saml import SamlProvider

SCOPES = "openid email profile"
# Seconds to wait for the identity provider before telling the person it is unreachable.
TIMEOUT = 10


@dataclass(frozen=True)
class Provider:
    """An organization's SSO configuration, read once per request, secret decrypted."""

    organization_id: int
    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    policy: Policy
    product_url: str
    updated_at: datetime
    # Set when the organization signs in over SAML 2.0 instead of OpenID Connect.
    saml: SamlProvider | None = None
    # The organization's language ("en", "es"), spoken when the browser asks for none.
    language: str = "en"

    @property
    def redirect_uri(self) -> str:
        return redirect_uri(current_app.config["PUBLIC_URL"], self.slug)


def redirect_uri(public_url: str, slug: str) -> str:
    """Return the redirect URI to register at the organization's identity provider."""
    return f"{public_url.rstrip('/')}/sso/{slug}/callback"


@bp.record_once
def _create_registry(state: Any) -> None:
    # One registry per app, never module-level: authlib caches clients by name, so a
    # module-level registry would hand one app (a test's, say) another app's client.
    app: Flask = state.app
    OAuth(app)  # stores itself in app.extensions
    app.extensions["sso_client_versions"] = {}
    app.extensions["sso_client_lock"] = threading.Lock()


def load_provider(session: Session, slug: str) -> Provider | None:
    """Return the organization's SSO configuration, or None if it has none."""
    row = session.execute(
        select(Organization, SsoConfig)
        .join(SsoConfig, SsoConfig.organization_id == Organization.id)
        .where(Organization.slug == slug)
    ).first()
    if row is None:
        return None
    organization, config = row
    saml = None
    if config.protocol == "saml":
        saml = SamlProvider(
            slug=organization.slug,
            public_url=current_app.config["PUBLIC_URL"],
            idp_metadata=config.saml_metadata or "",
            idp_initiated=config.idp_initiated,
            sign_requests=config.sign_requests,
            sp_key=decrypt(config.sp_key_encrypted) if config.sp_key_encrypted else None,
            sp_certificate=config.sp_certificate,
        )
    return Provider(
        organization_id=organization.id,
        slug=organization.slug,
        name=organization.name,
        issuer=config.issuer.rstrip("/"),
        client_id=config.client_id or "",
        client_secret=decrypt(config.client_secret_encrypted) if saml is None else "",
        policy=Policy.of(config),
        product_url=config.product_url,
        updated_at=config.updated_at,
        saml=saml,
        language=organization.language,
    )


def client_for(provider: Provider) -> FlaskOAuth2App:
    """Return the organization's client, registered anew whenever its configuration changed."""
    oauth: OAuth = current_app.extensions["authlib.integrations.flask_client"]
    versions: dict[str, tuple[str, ...]] = current_app.extensions["sso_client_versions"]
    version = (provider.issuer, provider.client_id, provider.updated_at.isoformat())
    with current_app.extensions["sso_client_lock"]:
        if versions.get(provider.slug) != version:
            # register() would hand back the cached client of the old configuration.
            oauth._clients.pop(provider.slug, None)
            oauth.register(
                provider.slug,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.issuer + "/.well-known/openid-configuration",
                client_kwargs={
                    "scope": SCOPES,
                    "code_challenge_method": "S256",
                    "default_timeout": TIMEOUT,
                },
                # Set, so that authlib never fills them from app.config by the slug's name.
                authorize_url=None,
                access_token_url=None,
                api_base_url=None,
            )
            versions[provider.slug] = version
        client: FlaskOAuth2App = oauth.create_client(provider.slug)
    return client


def metadata_of(client: FlaskOAuth2App, provider: Provider) -> Mapping[str, Any]:
    """Return the provider's discovery document, checked to be the configured issuer's.

    :raises SignInFailed: when it cannot be fetched or names another issuer.
    """
    try:
        metadata: Mapping[str, Any] = client.load_server_metadata()
    except Exception as error:  # requests, JSON: any failure means "unreachable"
        raise SignInFailed(
            _(
                "The identity provider of %(organization)s cannot be reached. Try again later.",
                organization=provider.name,
            ),
            detail=f"discovery failed: {error}",
            status=502,
        ) from None
    # OpenID Connect Discovery §4.3: the document's issuer must be the one it was fetched for.
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer:
        raise SignInFailed(
            _(
                "The identity provider of %(organization)s is misconfigured.",
                organization=provider.name,
            ),
            detail=f"discovery names issuer {metadata.get('issuer')!r}, not {provider.issuer!r}",
            status=502,
        )
    return metadata


def identity_from(
    provider: Provider,
    claims: Mapping[str, Any],
    fetch_userinfo: Callable[[], Mapping[str, Any]],
) -> Identity:
    """Return the identity of verified ID token claims, asking userinfo for a missing email.

    :raises SignInFailed: when userinfo answers for another subject.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInFailed(_("The identity provider sent no subject."), detail="no sub claim")
    source: Mapping[str, Any] = claims
    if not claims.get("email"):
        try:
            source = fetch_userinfo()
        except Exception as error:  # requests, JSON: the provider failed us
            raise SignInFailed(
                _("The identity provider did not answer with your profile. Try again later."),
                detail=f"userinfo failed: {error}",
                status=502,
            ) from None
        # OpenID Connect Core §5.3.2: userinfo of another subject must not be used.
        if source.get("sub") != subject:
            raise SignInFailed(
                _("The identity provider answered with another person's profile."),
                detail=f"userinfo sub {source.get('sub')!r} differs from ID token sub {subject!r}",
            )
    email = source.get("email")
    verified = source.get("email_verified")
    name = source.get("name") or claims.get("name")
    return Identity(
        issuer=provider.issuer,
        subject=subject,
        email=email if isinstance(email, str) and email else None,
        email_verified=_as_bool(verified),
        name=name if isinstance(name, str) and name else None,
    )


def _as_bool(value: Any) -> bool | None:
    # Some providers send the claim as a string.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None
