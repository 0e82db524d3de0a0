"""Set and describe an organization's SAML sign-in: one path for the CLI and the operator API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from seat_core import record_sso_configured
from seat_core.models import Organization, SsoConfig
from seat_core.outbound import OutboundPolicy, parse_networks

from ..crypto import encrypt
from .saml import SamlProvider
from .saml_keys import certificate_expiry, new_key_pair

if TYPE_CHECKING:
    from .idp_metadata import IdpMetadata


class SamlIncomplete(Exception):
    """An organization without SAML yet was not given all it needs; missing names what."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class Metadata:
    """An IdP's metadata document, where it came from (None: inline) and what it says."""

    xml: str
    url: str | None
    idp: IdpMetadata


def load_metadata(*, xml: str | None, url: str | None, networks: Any) -> Metadata:
    """Read the metadata given, or fetch it from url through the outbound-address guard.

    networks are the private networks allowed besides the public internet (the webhooks'
    SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS), so metadata is fetched under the same rules.

    :raises BadMetadata: for a refused address, a failed fetch or a document it cannot use.
    """
    # pysaml2 loads its XML schemas at import: only setting SAML up needs them.
    from .idp_metadata import fetch_metadata, read_metadata

    if url is not None:
        xml = fetch_metadata(url, OutboundPolicy(parse_networks(networks)))
    if xml is None:
        raise ValueError("give the metadata or its URL")
    return Metadata(xml, url, read_metadata(xml))


def configure_saml(
    session: Session,
    organization: Organization,
    *,
    at: datetime,
    metadata: Metadata | None = None,
    product_url: str | None = None,
    domains: str | None = None,
    jit: bool | None = None,
    idp_initiated: bool | None = None,
    sign_requests: bool | None = None,
    key: str | bytes | None = None,
) -> SsoConfig:
    """Make the organization sign in over SAML 2.0 and log it; None keeps a setting.

    key encrypts the SP's private key (None: the app's ENCRYPTION_KEY).

    :raises SamlIncomplete: when SAML is new to it and the metadata or product URL is missing.
    """
    config = session.get(SsoConfig, organization.id)
    if config is None or config.protocol != "saml":
        wanted = [("metadata", metadata)]
        if config is None:
            wanted.append(("product_url", product_url))
        missing = [name for name, value in wanted if not value]
        if missing:
            raise SamlIncomplete(missing)
    if config is None:
        config = SsoConfig(organization_id=organization.id, jit=True, allowed_domains="")
        session.add(config)
    # Switching from OpenID Connect drops the client and its secret.
    config.protocol, config.client_id, config.client_secret_encrypted = "saml", None, None
    if metadata is not None:
        config.issuer = metadata.idp.entity_id
        config.saml_metadata = metadata.xml
        config.saml_metadata_url = metadata.url
        config.idp_cert_expires_at = metadata.idp.last_expiry
    if jit is not None:
        config.jit = jit
    if idp_initiated is not None:
        config.idp_initiated = idp_initiated
    if sign_requests and config.sp_key_encrypted is None:
        # The key pair is made once and kept when signing is turned off and on again.
        private, certificate = new_key_pair(f"{organization.slug} SAML SP", at=at)
        config.sp_key_encrypted = encrypt(private, key)
        config.sp_certificate = certificate
    if sign_requests is not None:
        config.sign_requests = sign_requests
    if domains is not None:
        config.allowed_domains = domains
    if product_url:
        config.product_url = product_url
    config.updated_at = at
    session.flush()
    record_sso_configured(session, config, at=at, secret_changed=False)
    return config


def describe_saml(config: SsoConfig, slug: str, public_url: str) -> dict[str, Any]:
    """Describe SAML settings and what to register at the IdP; the SP's key never."""
    base = public_url.rstrip("/")
    sp = SamlProvider(slug, base, config.saml_metadata or "", config.idp_initiated)
    sp_expiry = certificate_expiry(config.sp_certificate) if config.sp_certificate else None
    return {
        "organization": slug,
        "protocol": "saml",
        "sp_entity_id": sp.entity_id,
        "acs_url": sp.acs_url,
        "metadata_url": sp.entity_id,
        "single_logout_url": sp.slo_url,
        "idp_entity_id": config.issuer,
        "idp_metadata_url": config.saml_metadata_url,
        "idp_certificate_expires": _iso(config.idp_cert_expires_at),
        "idp_initiated": config.idp_initiated,
        "sign_requests": config.sign_requests,
        "sp_certificate_expires": _iso(sp_expiry),
        "sp_certificate": config.sp_certificate,
        "jit": config.jit,
        "domains": config.allowed_domains,
        "product_url": config.product_url,
        "sign_in_url": f"{base}/sso/{slug}/login",
        "owner_sign_in_url": f"{base}/sso/{slug}/login?next=admin",
        "updated_at": config.updated_at.isoformat(),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
