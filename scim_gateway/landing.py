"""The front door: a short landing page at /, and the favicon browsers ask for."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from seat_core.orgs import SLUG

bp = Blueprint("landing", __name__)


@bp.get("/")
def index() -> Any:
    """Send visitors of the bare address to the landing page."""
    return redirect(url_for("landing.welcome"))


@bp.get("/welcome")
def welcome() -> Any:
    """Show where IdPs, owners and developers go: SCIM base, admin sign-in, docs."""
    return render_template("landing.html", public_url=_public_url())


@bp.get("/sign-in")
def sign_in() -> Any:
    """Send an owner to their organization's sign-in page, or say what is wrong."""
    slug = request.args.get("org", "").strip().lower()
    if not SLUG.match(slug):
        error = (
            "Enter your organization's short name, like acme."
            if not slug
            else "An organization's short name has only lower-case letters, digits and dashes, "
            "like acme."
        )
        html = render_template("landing.html", public_url=_public_url(), error=error, org=slug[:64])
        return html, 400
    return redirect(url_for("admin.login", org=slug))


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Serve the icon at the address browsers try first."""
    return current_app.send_static_file("favicon.svg")


def _public_url() -> str:
    return str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
