"""Letting a verified person in, for the OpenID Connect and the SAML views alike.

Both find the organization's provider here, send a member through the seat gate (a refusal
is answered by views.refused), sign an owner in to the admin pages, or show a failure.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, redirect
from flask_babel import gettext as _

from seat_core import (
    Admission,
    Identity,
    admit,
    events,
    find_owner,
    record_owner_sign_in_failure,
    verified_email,
)
from seat_core.models import Organization

from .. import i18n
from ..clock import now
from ..crypto import UnreadableSecret
from ..db import read_only, retried_on_duplicate, transaction
from ..owner_sessions import login_owner
from . import pages, sessions
from .clients import Provider, SignInFailed, load_provider

log = logging.getLogger("scim_gateway.sso")


def provider_or_abort(slug: str) -> Provider:
    """Return the organization's SSO configuration, or end the request with a clear page.

    From here on the pages speak the browser's language, else the organization's.
    """
    try:
        with read_only() as db:
            provider = load_provider(db, slug)
    except UnreadableSecret as error:
        log.error("%s", error, extra={"organization": slug, "event": "sso.config_unreadable"})
        abort(pages.error(slug, _("Single sign-on is misconfigured. Tell the operator."), 500))
    if provider is None:
        abort(pages.not_configured(slug))
    i18n.for_organization(provider.language)
    return provider


def let_in(provider: Provider, identity: Identity, next: str, id_token: str | None) -> Any:
    """Sign a verified person in: an owner to the admin pages, a member through the gate."""
    if next == "admin":
        return owner_sign_in(provider, identity, id_token)
    org = provider.slug
    at = now()
    events.act_as(events.Actor("member", None, identity.email or identity.subject))

    def admitted() -> tuple[Admission, int]:
        # A refusal leaves the transaction and is answered by the blueprint's handler.
        with transaction() as db:
            organization = db.get_one(Organization, provider.organization_id)
            admission = admit(db, organization, identity, provider.policy, at=at)
            sessions.start_member(db, provider, admission.member.id, id_token)
            return admission, admission.member.id

    # Two tabs finishing a first sign-in at once: one creates the member, the other finds it.
    admission, member_id = retried_on_duplicate(admitted)
    log.info(
        "member %s signed in%s%s",
        member_id,
        " (new member)" if admission.created else "",
        " and took a seat" if admission.seat_taken else "",
        extra={"organization": org, "event": "sso.signed_in"},
    )
    return redirect(provider.product_url)


def failed(provider: Provider, failure: SignInFailed) -> Any:
    """Log a sign-in that could not be verified and show its error page.

    A live session is left as it is: another site can send anyone a failing callback.
    """
    log.warning(
        "sign-in failed: %s",
        failure.detail,
        extra={"organization": provider.slug, "event": "sso.failed"},
    )
    return pages.error(provider.name, failure.message, failure.status, provider.slug)


def owner_sign_in(provider: Provider, identity: Identity, id_token: str | None) -> Any:
    """Sign an owner in to the admin pages; the owner list alone decides who is one."""
    # Owners administer seats, they need not hold one: no seat is taken here.
    email = verified_email(identity, provider.policy)
    with transaction() as db:
        organization = db.get_one(Organization, provider.organization_id)
        owner = find_owner(db, organization, email) if email else None
        if owner is not None:
            login_owner(owner, via="sso", id_token=id_token)
        else:
            failed_email = email or identity.email or identity.subject
            record_owner_sign_in_failure(db, organization, email=failed_email, via="sso", at=now())
    if owner is None:
        log.warning(
            "admin sign-in of %s refused: not an owner",
            identity.email or identity.subject,
            extra={"organization": provider.slug, "event": "sso.not_owner"},
        )
        return pages.error(
            provider.name,
            _(
                "%(email)s is not an owner of %(organization)s. Ask a Primary Owner to add you.",
                email=identity.email,
                organization=provider.name,
            )
            if identity.email
            else _(
                "Your account is not an owner of %(organization)s. Ask a Primary Owner to add you.",
                organization=provider.name,
            ),
            403,
            provider.slug,
        )
    log.info(
        "owner %s signed in to the admin pages",
        email,
        extra={"organization": provider.slug, "event": "sso.owner_signed_in"},
    )
    return redirect(f"/admin/{provider.slug}/billing")
