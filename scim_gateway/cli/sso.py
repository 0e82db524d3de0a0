"""Commands for an organization's single sign-on."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import click

from seat_core import get_organization, parse_domains, record_sso_configured
from seat_core.models import SsoConfig
from seat_core.outbound import OutboundPolicy, parse_networks

from ..clock import now
from ..crypto import encrypt
from ..sso.clients import SCOPES, redirect_uri
from ..sso.saml import SamlProvider
from ..sso.saml_keys import certificate_expiry, new_key_pair
from . import Context, cli, pass_context

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def checked_url(value: str, what: str) -> str:
    """Return an https URL (http only on loopback), without a trailing slash.

    :raises click.BadParameter: for anything else.
    """
    parts = urlsplit(value.strip())
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.netloc or parts.query or parts.fragment:
        raise click.BadParameter(
            f"{value!r} is not an https URL without query or fragment "
            "(http is allowed only on 127.0.0.1 and localhost)",
            param_hint=what,
        )
    return value.strip().rstrip("/")


def checked_domains(value: str) -> str:
    """Return a comma-separated list of email domains, lower-cased and checked."""
    domains = sorted(parse_domains(value))
    wrong = [domain for domain in domains if not DOMAIN.match(domain)]
    if wrong:
        raise click.BadParameter(f"not a domain: {', '.join(wrong)}", param_hint="--domains")
    return ",".join(domains)


@cli.group()
def sso() -> None:
    """Set up and show an organization's single sign-on (OpenID Connect or SAML 2.0)."""


@sso.command("set")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option(
    "--issuer", help="Issuer URL; discovery is at <issuer>/.well-known/openid-configuration."
)
@click.option("--client-id", help="Client (application) id registered at the provider.")
@click.option(
    "--client-secret-stdin",
    is_flag=True,
    help="Read the client secret from standard input (it is stored encrypted).",
)
@click.option(
    "--jit/--no-jit",
    default=None,
    help="Create members at their first sign-in (default on), or admit only provisioned ones.",
)
@click.option(
    "--domains",
    help="Comma-separated email domains allowed, like acme.test,acme.example ('' for any).",
)
@click.option("--product-url", help="Where members go after signing in.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def sso_set(ctx: Context, slug: str, as_json: bool, **options: Any) -> None:
    """Create or change the organization's SSO; options left out keep their value."""
    secret = None
    if options["client_secret_stdin"]:
        secret = sys.stdin.read().strip()
        if not secret:
            raise click.BadParameter("standard input is empty", param_hint="--client-secret-stdin")
    issuer = options["issuer"] and checked_url(options["issuer"], "--issuer")
    product_url = options["product_url"] and checked_url(options["product_url"], "--product-url")
    domains = options["domains"]
    domains = checked_domains(domains) if domains is not None else None
    client_id = options["client_id"] and options["client_id"].strip()
    at = now()
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        config = session.get(SsoConfig, organization.id)
        if config is None or config.protocol != "oidc":
            missing = [
                name
                for name, value in (
                    ("--issuer", issuer),
                    ("--client-id", client_id),
                    ("--client-secret-stdin", secret),
                    ("--product-url", product_url),
                )
                if not value and (config is None or name != "--product-url")
            ]
            if missing:
                raise click.UsageError(
                    f"{slug} has no OpenID Connect SSO yet: give {', '.join(missing)} to set it up."
                )
        if config is None:
            config = SsoConfig(organization_id=organization.id, jit=True, allowed_domains="")
            session.add(config)
        # Switching from SAML drops the IdP's metadata.
        config.protocol, config.saml_metadata, config.saml_metadata_url = "oidc", None, None
        config.idp_cert_expires_at = None
        if issuer:
            config.issuer = issuer
        if client_id:
            config.client_id = client_id
        if secret:
            config.client_secret_encrypted = encrypt(secret, ctx.app.config["ENCRYPTION_KEY"])
        if options["jit"] is not None:
            config.jit = options["jit"]
        if domains is not None:
            config.allowed_domains = domains
        if product_url:
            config.product_url = product_url
        # The app re-registers its OpenID client when this changes.
        config.updated_at = at
        session.flush()
        record_sso_configured(session, config, at=at, secret_changed=bool(secret))
        summary = describe(config, slug, ctx.app.config["PUBLIC_URL"])
    show(summary, as_json)


@sso.command("set-saml")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option(
    "--idp-metadata-file",
    type=click.File("r", encoding="utf-8"),
    help="The IdP's SAML metadata XML (Okta: Sign On tab; Entra ID: Federation Metadata XML).",
)
@click.option("--idp-metadata-url", help="Fetch the IdP's metadata from this https URL.")
@click.option(
    "--jit/--no-jit",
    default=None,
    help="Create members at their first sign-in (default on), or admit only provisioned ones.",
)
@click.option("--domains", help="Comma-separated email domains allowed ('' for any).")
@click.option(
    "--idp-initiated/--no-idp-initiated",
    default=None,
    help="Accept sign-ins started at the IdP (off by default).",
)
@click.option(
    "--sign-requests/--no-sign-requests",
    default=None,
    help="Sign AuthnRequests and LogoutRequests with the SP's own key (off by default).",
)
@click.option("--product-url", help="Where members go after signing in.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def sso_set_saml(ctx: Context, slug: str, as_json: bool, **options: Any) -> None:
    """Make the organization sign in over SAML 2.0; options left out keep their value."""
    # pysaml2 loads its XML schemas at import: only this command needs them.
    from ..sso.idp_metadata import BadMetadata, fetch_metadata, read_metadata

    file, url = options["idp_metadata_file"], options["idp_metadata_url"]
    if file is not None and url is not None:
        raise click.UsageError("give --idp-metadata-file or --idp-metadata-url, not both")
    if url is not None:
        url = checked_url(url, "--idp-metadata-url")
        policy = OutboundPolicy(parse_networks(ctx.app.config["WEBHOOK_ALLOWED_NETWORKS"]))
        try:
            xml = fetch_metadata(url, policy)
        except BadMetadata as error:
            raise click.BadParameter(str(error), param_hint="--idp-metadata-url") from None
    else:
        xml = file.read() if file is not None else None
    idp = None
    if xml is not None:
        try:
            idp = read_metadata(xml)
        except BadMetadata as error:
            hint = "--idp-metadata-url" if url else "--idp-metadata-file"
            raise click.BadParameter(str(error), param_hint=hint) from None
    product_url = options["product_url"] and checked_url(options["product_url"], "--product-url")
    domains = options["domains"]
    domains = checked_domains(domains) if domains is not None else None
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        config = session.get(SsoConfig, organization.id)
        if config is None or config.protocol != "saml":
            missing = [
                name
                for name, value in (("--idp-metadata-file or --idp-metadata-url", idp),)
                + ((("--product-url", product_url),) if config is None else ())
                if not value
            ]
            if missing:
                raise click.UsageError(
                    f"{slug} has no SAML sign-in yet: give {', '.join(missing)} to set it up."
                )
        if config is None:
            config = SsoConfig(organization_id=organization.id, jit=True, allowed_domains="")
            session.add(config)
        # Switching from OpenID Connect drops the client and its secret.
        config.protocol, config.client_id, config.client_secret_encrypted = "saml", None, None
        if idp is not None:
            config.issuer = idp.entity_id
            config.saml_metadata = xml
            config.saml_metadata_url = url
            config.idp_cert_expires_at = idp.last_expiry
        for name in ("jit", "idp_initiated"):
            if options[name] is not None:
                setattr(config, name, options[name])
        if options["sign_requests"] and config.sp_key_encrypted is None:
            # The key pair is made once and kept when signing is turned off and on again.
            key, certificate = new_key_pair(f"{slug} SAML SP", at=now())
            config.sp_key_encrypted = encrypt(key, ctx.app.config["ENCRYPTION_KEY"])
            config.sp_certificate = certificate
        if options["sign_requests"] is not None:
            config.sign_requests = options["sign_requests"]
        if domains is not None:
            config.allowed_domains = domains
        if product_url:
            config.product_url = product_url
        at = now()
        config.updated_at = at
        session.flush()
        record_sso_configured(session, config, at=at, secret_changed=False)
        summary = describe(config, slug, ctx.app.config["PUBLIC_URL"])
    show(summary, as_json)


@sso.command("show")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def sso_show(ctx: Context, slug: str, as_json: bool) -> None:
    """Show the organization's SSO and what to register at the identity provider."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        config = session.get(SsoConfig, organization.id)
        if config is None:
            raise click.ClickException(
                f"{slug} has no SSO; set it up with `scim-gateway sso set --org {slug} ...`."
            )
        summary = describe(config, slug, ctx.app.config["PUBLIC_URL"])
    show(summary, as_json)


def describe(config: SsoConfig, slug: str, public_url: str) -> dict[str, Any]:
    """Describe an SSO configuration, never its secret."""
    base = public_url.rstrip("/")
    if config.protocol == "saml":
        sp = SamlProvider(slug, base, config.saml_metadata or "", config.idp_initiated)
        return {
            "organization": slug,
            "protocol": "saml",
            "sp_entity_id": sp.entity_id,
            "acs_url": sp.acs_url,
            "metadata_url": sp.entity_id,
            "single_logout_url": sp.slo_url,
            "idp_entity_id": config.issuer,
            "idp_metadata_url": config.saml_metadata_url or "(from a file)",
            "idp_certificate_expires": _iso(config.idp_cert_expires_at),
            "idp_initiated": config.idp_initiated,
            "sign_requests": config.sign_requests,
            "sp_certificate_expires": _iso(
                certificate_expiry(config.sp_certificate) if config.sp_certificate else None
            ),
            "sp_certificate": config.sp_certificate,
            "jit": config.jit,
            "domains": config.allowed_domains or "(any)",
            "product_url": config.product_url,
            "sign_in_url": f"{base}/sso/{slug}/login",
            "owner_sign_in_url": f"{base}/sso/{slug}/login?next=admin",
            "updated_at": config.updated_at.isoformat(),
        }
    return {
        "organization": slug,
        "protocol": "oidc",
        "issuer": config.issuer,
        "client_id": config.client_id,
        "client_secret": "(set, encrypted)",
        "jit": config.jit,
        "domains": config.allowed_domains or "(any)",
        "product_url": config.product_url,
        "redirect_uri": redirect_uri(base, slug),
        "post_logout_redirect_uri": f"{base}/sso/{slug}/signed-out",
        "sign_in_url": f"{base}/sso/{slug}/login",
        "owner_sign_in_url": f"{base}/sso/{slug}/login?next=admin",
        "scopes": SCOPES,
        "updated_at": config.updated_at.isoformat(),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def show(summary: dict[str, Any], as_json: bool) -> None:
    """Print the summary as JSON or as aligned lines."""
    if as_json:
        click.echo(json.dumps(summary))
        return
    width = max(len(key) for key in summary)
    for key, value in summary.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")
