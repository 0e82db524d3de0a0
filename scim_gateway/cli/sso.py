"""Commands for an organization's single sign-on."""

from __future__ import annotations

import json
import re
import sys
from typing import Any
from urllib.parse import urlsplit

import click

from seat_core import get_organization, parse_domains, record_sso_configured
from seat_core.models import SsoConfig

from ..clock import now
from ..crypto import encrypt
from ..sso.clients import SCOPES, redirect_uri
from ..sso.saml_setup import SamlIncomplete, configure_saml, describe_saml, load_metadata
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
    from ..sso.idp_metadata import BadMetadata

    file, url = options["idp_metadata_file"], options["idp_metadata_url"]
    if file is not None and url is not None:
        raise click.UsageError("give --idp-metadata-file or --idp-metadata-url, not both")
    metadata = None
    if url is not None or file is not None:
        url = url and checked_url(url, "--idp-metadata-url")
        try:
            metadata = load_metadata(
                xml=file.read() if file is not None else None,
                url=url,
                networks=ctx.app.config["WEBHOOK_ALLOWED_NETWORKS"],
            )
        except BadMetadata as error:
            hint = "--idp-metadata-url" if url else "--idp-metadata-file"
            raise click.BadParameter(str(error), param_hint=hint) from None
    product_url = options["product_url"] and checked_url(options["product_url"], "--product-url")
    domains = options["domains"]
    domains = checked_domains(domains) if domains is not None else None
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        try:
            config = configure_saml(
                session,
                organization,
                at=now(),
                metadata=metadata,
                product_url=product_url,
                domains=domains,
                jit=options["jit"],
                idp_initiated=options["idp_initiated"],
                sign_requests=options["sign_requests"],
                key=ctx.app.config["ENCRYPTION_KEY"],
            )
        except SamlIncomplete as error:
            options_of = {
                "metadata": "--idp-metadata-file or --idp-metadata-url",
                "product_url": "--product-url",
            }
            missing = ", ".join(options_of[name] for name in error.missing)
            raise click.UsageError(
                f"{slug} has no SAML sign-in yet: give {missing} to set it up."
            ) from None
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
        summary = describe_saml(config, slug, public_url)
        return {
            **summary,
            "idp_metadata_url": summary["idp_metadata_url"] or "(from a file)",
            "domains": summary["domains"] or "(any)",
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


def show(summary: dict[str, Any], as_json: bool) -> None:
    """Print the summary as JSON or as aligned lines."""
    if as_json:
        click.echo(json.dumps(summary))
        return
    width = max(len(key) for key in summary)
    for key, value in summary.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")
