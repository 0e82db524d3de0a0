"""Languages: an owner's own choice for these pages, and the organization's (Primary Owner)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from seat_core import (
    InvalidLanguage,
    accounts,
    get_organization,
    set_owner_language,
)
from seat_core.models import Owner

from .. import i18n
from ..clock import now
from ..db import transaction
from . import bp
from .auth import owner_required
from .sign_in import _safe_next

# What the owner's form sends for "follow the browser".
BROWSER = "browser"


def _refused(value: str) -> Any:
    """Answer a language the gateway does not speak with a 400 page."""
    message = _(
        "“%(value)s” is not a language of these pages: choose English or Español.",
        value=value[:20],
    )
    return make_response(render_template("admin/forbidden.html", message=message), 400)


@bp.post("/<org>/language")
@owner_required()
def set_language(org: str) -> Any:
    """Set the signed-in owner's own language (or the browser's), then go back."""
    value = request.form.get("language", "")
    try:
        with transaction() as session:
            owner = session.get(Owner, g.owner.id)
            assert owner is not None, "the signed-in owner exists"
            set_owner_language(owner, None if value == BROWSER else value)
    except InvalidLanguage:  # only a forged form sends another value: a 400 page says so
        return _refused(value)
    return redirect(_safe_next(org, request.form.get("back")))


@bp.post("/<org>/owners/language")
@owner_required(primary=True)
def organization_language(org: str) -> Any:
    """Set the organization's language: its mails, invoices and signed-out pages."""
    value = request.form.get("language", "")
    try:
        with transaction() as session:
            organization = get_organization(session, org)
            changed = accounts.set_language(session, organization, value, at=now())
    except InvalidLanguage:  # only a forged form sends another value: a 400 page says so
        return _refused(value)
    name = i18n.NAMES[value]
    # Said in the language the next page speaks, the organization's new one unless the owner
    # or the browser chose another.
    i18n.for_organization(value, g.owner.language)
    if changed:
        flash(
            _("The organization's language is now %(language)s.", language=name), "success@language"
        )
    else:
        flash(_("The organization's language stays %(language)s.", language=name), "info@language")
    return redirect(url_for("admin.owners", org=org) + "#language-heading")
