"""Owners' pages: the owner_required decorator; sessions and CSRF are owner_sessions'."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from seat_core import events, owner_actor
from seat_core.models import Organization, Owner, WebSession

from .. import i18n
from ..db import read_only
from ..owner_sessions import OWNER, live_session
from .banner import expiring_tokens, pending_banner, saml_certificate

ROLE_NAMES = {"primary_owner": _l("Primary Owner"), "owner": _l("Owner")}

View = TypeVar("View", bound=Callable[..., Any])


def current_owner(db_session: Session, slug: str) -> Owner | None:
    """Return the owner signed in to the organization slug, or None."""
    found = live_session(OWNER, kind="owner")
    return _owner_of(db_session, found, slug) if found is not None else None


def _owner_of(db_session: Session, found: WebSession, slug: str) -> Owner | None:
    organization = db_session.get(Organization, found.organization_id)
    if organization is None or organization.slug != slug or found.owner_id is None:
        return None
    return db_session.get(Owner, found.owner_id)


def forbidden(message: str) -> Any:
    """Return the 403 page."""
    return make_response(render_template("admin/forbidden.html", message=message), 403)


def owner_required(primary: bool = False) -> Callable[[View], View]:
    """Let only owners of the view's ``org`` in (only Primary Owners when primary is True).

    Sets ``g.owner`` and ``g.organization`` (detached, read-only copies), ``g.banner``
    (the pending seat requests banner), ``g.saml_certificate`` and ``g.expiring_tokens``
    before the view runs.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            slug = kwargs["org"]
            found = live_session(OWNER, kind="owner")
            # Checked in a short session of its own: on SQLite every transaction holds
            # the write lock, so it must end before the view opens its transaction.
            with read_only() as db_session:
                organization = db_session.scalars(
                    select(Organization).where(Organization.slug == slug)
                ).first()
                if organization is None:
                    return make_response(render_template("admin/not_found.html", slug=slug), 404)
                owner = _owner_of(db_session, found, slug) if found is not None else None
                if owner is None:
                    i18n.for_organization(organization.language)
                    if found is not None and found.organization_id != organization.id:
                        return forbidden(_("You are not an owner of this organization."))
                    # Signed out, expired, or an owner since removed: sign in again.
                    return redirect(
                        url_for("admin.login", org=slug, next=request.full_path.rstrip("?"))
                    )
                g.owner = owner
                g.organization = organization
                i18n.for_organization(organization.language, owner.language)
                events.act_as(owner_actor(owner))
                g.role_name = str(ROLE_NAMES.get(owner.role, owner.role))
                g.banner = pending_banner(db_session, organization)
                g.saml_certificate = saml_certificate(db_session, organization.id)
                g.expiring_tokens = expiring_tokens(db_session, organization.id)
            if primary and g.owner.role != "primary_owner":
                return forbidden(_("Only a Primary Owner can do this."))
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate
