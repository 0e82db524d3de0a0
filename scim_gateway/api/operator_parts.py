"""Per organization over the operator API: SCIM tokens, SSO, owners and invoices."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Response, current_app, jsonify
from sqlalchemy import select

from seat_core import get_organization, owners_of, parse_domains, record_sso_configured
from seat_core.accounts import get_owner, remove_owner
from seat_core.models import ApiToken, Owner, SsoConfig
from seat_core.orgs import ROLES

from ..clock import now
from ..crypto import encrypt
from ..db import read_only, transaction
from ..operator.invites import invite
from ..scim.auth import token_cache
from ..sso.clients import redirect_uri
from ..sso.saml_setup import describe_saml
from ..tokens import issue_token, revoke_owner_tokens, revoke_token
from .auth import fail, only_params
from .operator import InvalidSso, TokenNotFound, bp, field, json_object

MAX_TOKEN_DAYS = 730
DEFAULT_TOKEN_DAYS = 365
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# An https URL (http only on loopback) without query or fragment: a host name, a port and
# the path characters of RFC 3986. The OpenAPI document states the same pattern.
URL = re.compile(
    r"(https://[A-Za-z0-9.-]+|http://(127\.0\.0\.1|localhost|\[::1\]))(:[0-9]{1,5})?"
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*"
)
MAX_URL = 512


def token_json(row: ApiToken) -> dict[str, Any]:
    """Return a SCIM token as listed: never its secret or hash."""
    return {
        "id": row.id,
        "prefix": row.prefix,
        "label": row.label,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
    }


@bp.get("/orgs/<org>/scim-tokens")
def list_scim_tokens(org: str) -> Any:
    """List the organization's SCIM tokens, oldest first."""
    only_params()
    with read_only() as session:
        organization = get_organization(session, org)
        rows = session.scalars(
            select(ApiToken)
            .where(ApiToken.organization_id == organization.id, ApiToken.kind == "scim")
            .order_by(ApiToken.id)
        ).all()
        return jsonify({"tokens": [token_json(row) for row in rows]})


@bp.post("/orgs/<org>/scim-tokens")
def issue_scim_token(org: str) -> Any:
    """Issue a SCIM token for the organization's IdP; the secret is shown this once."""
    only_params()
    body = json_object(
        '{"label": "okta-prod", "expires_in_days": 365}',
        required=("label",),
        optional=("expires_in_days",),
    )
    label = field(body, "label", str).strip()
    days = field(body, "expires_in_days", int, default=DEFAULT_TOKEN_DAYS)
    if not label or len(label) > 200:
        fail(422, "Unprocessable Content", '"label" must be 1 to 200 characters.')
    if not 1 <= days <= MAX_TOKEN_DAYS:
        fail(
            422,
            "Unprocessable Content",
            f'"expires_in_days" must be between 1 and {MAX_TOKEN_DAYS}.',
        )
    at = now()
    with transaction() as session:
        organization = get_organization(session, org)
        row, secret = issue_token(
            session,
            organization,
            kind="scim",
            at=at,
            label=label,
            expires_at=at + timedelta(days=days),
        )
        body = {**token_json(row), "token": secret}
    response = jsonify(body)
    response.status_code = 201
    return response


@bp.delete("/orgs/<org>/scim-tokens/<int:token_id>")
def revoke_scim_token(org: str, token_id: int) -> Any:
    """Revoke one of the organization's SCIM tokens."""
    only_params()
    with transaction() as session:
        organization = get_organization(session, org)
        kind = session.scalar(select(ApiToken.kind).where(ApiToken.id == token_id))
        if kind != "scim" or not revoke_token(session, organization, token_id, at=now()):
            raise TokenNotFound(f"No live SCIM token {token_id} in {org}")
    # This process forgets it at once; others within SCIM_TOKEN_CACHE_SECONDS.
    token_cache().clear()
    return Response(status=204)


def sso_json(config: SsoConfig | None, slug: str) -> dict[str, Any]:
    """Return the SSO settings: never a secret, only whether the client secret is set."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if config is None:
        return {"organization": slug, "protocol": None}
    common = {
        "organization": slug,
        "protocol": config.protocol,
        "issuer": config.issuer,
        "jit": config.jit,
        "domains": sorted(parse_domains(config.allowed_domains)),
        "product_url": config.product_url,
        "sign_in_url": f"{base}/sso/{slug}/login",
        "updated_at": config.updated_at.isoformat(),
    }
    if config.protocol == "saml":
        return {**describe_saml(config, slug, base), **common}
    return {
        **common,
        "client_id": config.client_id,
        "client_secret_set": config.client_secret_encrypted is not None,
        "redirect_uri": redirect_uri(base, slug),
    }


def checked_url(value: str, name: str) -> str:
    """Return an https URL (http only on loopback) without a trailing slash."""
    if len(value) > MAX_URL or not URL.fullmatch(value.strip()):
        raise InvalidSso(f'"{name}" must be an https URL without query or fragment.')
    return value.strip().rstrip("/")


def checked_domains(body: dict[str, Any]) -> str:
    """Return the body's "domains" (default none: any) as stored: lower-cased, sorted."""
    domains = body.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(each, str) for each in domains):
        fail(422, "Unprocessable Content", '"domains" must be a list of email domains.')
    wrong = [each for each in domains if not DOMAIN.match(each.strip().lower())]
    if wrong:
        raise InvalidSso(f"Not email domains: {', '.join(wrong)[:200]}")
    return ",".join(sorted(parse_domains(",".join(domains))))


@bp.get("/orgs/<org>/sso")
def get_sso(org: str) -> Any:
    """Return the organization's single sign-on settings."""
    only_params()
    with read_only() as session:
        organization = get_organization(session, org)
        return jsonify(sso_json(session.get(SsoConfig, organization.id), org))


@bp.put("/orgs/<org>/sso")
def set_sso(org: str) -> Any:
    """Set OpenID Connect sign-in; the client secret is written, never read back."""
    only_params()
    body = json_object(
        '{"issuer": "https://idp.example", "client_id": "...", "client_secret": "...", '
        '"product_url": "https://app.example"}',
        required=("issuer", "client_id", "product_url"),
        optional=("client_secret", "jit", "domains"),
    )
    issuer = checked_url(field(body, "issuer", str), "issuer")
    product_url = checked_url(field(body, "product_url", str), "product_url")
    client_id = field(body, "client_id", str).strip()
    secret = field(body, "client_secret", str)
    jit = field(body, "jit", bool, default=True)
    domains = checked_domains(body)
    if not client_id or len(client_id) > 256:
        raise InvalidSso('"client_id" must be 1 to 256 characters.')
    at = now()
    with transaction() as session:
        organization = get_organization(session, org)
        config = session.get(SsoConfig, organization.id)
        if (config is None or config.client_secret_encrypted is None) and not secret:
            raise InvalidSso(f'{org} has no client secret yet: send "client_secret".')
        if config is None:
            config = SsoConfig(organization_id=organization.id)
            session.add(config)
        config.protocol, config.saml_metadata, config.saml_metadata_url = "oidc", None, None
        config.idp_cert_expires_at = None
        config.issuer, config.client_id, config.product_url, config.jit = (
            issuer,
            client_id,
            product_url,
            jit,
        )
        config.allowed_domains = domains
        if secret:
            config.client_secret_encrypted = encrypt(secret)
        # The app re-registers its OpenID client when this changes.
        config.updated_at = at
        session.flush()
        record_sso_configured(session, config, at=at, secret_changed=bool(secret))
        return jsonify(sso_json(config, org))


def owner_json(row: Owner) -> dict[str, Any]:
    """Return an owner: whether they have a password, never its hash."""
    return {
        "id": row.id,
        "email": row.email,
        "role": row.role,
        "password_set": row.password_hash is not None,
        "created_at": row.created_at.isoformat(),
    }


@bp.get("/orgs/<org>/owners")
def list_owners(org: str) -> Any:
    """List the organization's owners, Primary Owners first."""
    only_params()
    with read_only() as session:
        organization = get_organization(session, org)
        return jsonify({"owners": [owner_json(row) for row in owners_of(session, organization.id)]})


@bp.post("/orgs/<org>/owners")
def invite_owner(org: str) -> Any:
    """Invite an owner: a mail with a single-use link, valid 7 days, to set a password."""
    only_params()
    body = json_object(
        '{"email": "ann@acme.test", "role": "primary_owner"}', required=("email", "role")
    )
    email, role = field(body, "email", str).strip(), field(body, "role", str)
    if role not in ROLES:
        fail(422, "Unprocessable Content", f'"role" must be one of {", ".join(ROLES)}.')
    with transaction() as session:
        organization = get_organization(session, org)
        owner = invite(session, organization, email=email, role=role, at=now())
        response = jsonify(owner_json(owner))
    response.status_code = 201
    return response


@bp.delete("/orgs/<org>/owners/<int:owner_id>")
def delete_owner(org: str, owner_id: int) -> Any:
    """Remove an owner; their API tokens stop working and their sessions end."""
    only_params()
    with transaction() as session:
        organization = get_organization(session, org)
        at = now()
        owner = get_owner(session, organization, owner_id)
        revoke_owner_tokens(session, owner.id, at=at)
        remove_owner(session, organization, owner.id, at=at)
    return Response(status=204)
