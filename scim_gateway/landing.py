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
    return render_template("landing.html", public_url=_public_url(), demo=_demo())


@bp.get("/sign-in")
def sign_in() -> Any:
    """Send an owner to their organization's sign-in page, or say what is wrong."""
    slug = request.args.get("org", "").strip().lower()
    if not SLUG.match(slug):
        error = "empty" if not slug else "not_a_slug"  # the page says it in words
        html = render_template(
            "landing.html", public_url=_public_url(), error=error, org=slug[:64], demo=_demo()
        )
        return html, 400
    return redirect(url_for("admin.login", org=slug))


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Serve the icon at the address browsers try first."""
    return current_app.send_static_file("favicon.svg")


def _demo() -> str | None:
    slug = str(current_app.config.get("DEMO_ORGANIZATION") or "").strip().lower()
    return slug if SLUG.match(slug) else None


def _public_url() -> str:
    return str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
