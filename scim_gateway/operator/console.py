"""The operator console under /operator: sign-in with password and TOTP, CSRF on every POST.

The cookie holds ``operator_session`` (a key whose SHA-256 names an operator_session row)
and shares the owners' ``csrf_token`` (scim_gateway/admin/auth.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from seat_core import events

from ..clock import now
from ..crypto import decrypt, encrypt
from ..db import read_only, transaction
from ..owner_sessions import CSRF_FIELD, csrf_token, csrf_valid
from ..passwords import hash_password, verify_password
from ..ratelimit import hit
from ..totp import matching_step, new_totp_secret, provisioning_uri, qr_svg
from . import people

bp = Blueprint("operator", __name__, url_prefix="/operator")
COOKIE = "operator_session"
PENDING = "operator_totp_pending"
MIN_PASSWORD_LENGTH = 12

View = TypeVar("View", bound=Callable[..., Any])


@bp.before_request
def check_csrf() -> Any:
    """Refuse every POST without the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or csrf_valid():
        return None
    message = "This form has expired or did not come from this site. Reload the page and try again."
    return make_response(
        render_template("operator/message.html", title="Form expired", message=message), 400
    )


bp.app_context_processor(lambda: {"csrf_token": csrf_token})


@bp.errorhandler(people.OperatorLinkRefused)
def link_refused(error: people.OperatorLinkRefused) -> Any:
    """Answer a used or expired link with a page that says so."""
    return render_template(
        "operator/message.html", title="Link not valid", message=error.message
    ), 410


def lifetime() -> timedelta:
    """Return how long a console sign-in lasts (SESSION_LIFETIME_MINUTES)."""
    return timedelta(minutes=int(current_app.config["SESSION_LIFETIME_MINUTES"]))


def operator_required(view: View) -> View:
    """Let only a signed-in operator in; set g.operator and name them as the actor."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = session.get(COOKIE)
        with read_only() as db:
            found = people.find_session(db, key, at=now()) if isinstance(key, str) else None
        if found is None:
            session.pop(COOKIE, None)
            return redirect(url_for("operator.login"))
        g.operator = found
        events.act_as(events.Actor("operator", f"console:{found.id}", found.email))
        return view(*args, **kwargs)

    return cast(View, wrapper)


@bp.route("/welcome", methods=["GET", "POST"])
def welcome() -> Any:
    """Set the password and enrol the authenticator from an invitation link, then sign in."""
    token = request.values.get("token", "")
    with read_only() as db:
        operator = people.check_link(db, token, at=now())
        email = operator.email
    sealed = session.get(PENDING)
    if not isinstance(sealed, str) or request.method == "GET":
        secret = new_totp_secret()
        session[PENDING] = encrypt(secret)
    else:
        secret = decrypt(sealed)

    def form(status: int = 200) -> Any:
        uri = provisioning_uri(secret, email)
        page = render_template(
            "operator/welcome.html", email=email, token=token, qr=qr_svg(uri), secret=secret
        )
        response = make_response(page, status)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    if request.method == "GET":
        return form()
    password = request.form.get("password", "")
    if len(password) < MIN_PASSWORD_LENGTH or password != request.form.get("confirm", ""):
        flash(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters, typed twice alike.",
            "error",
        )
        return form(422)
    at = now()
    step = matching_step(secret, request.form.get("code", ""), at=at)
    if step is None:
        flash("That code is not the one your authenticator shows now: try the next one.", "error")
        return form(422)
    with transaction() as db:
        operator = people.enrol(
            db, token, password_hash=hash_password(password), totp_secret=secret, step=step, at=at
        )
        _sign_in(db, operator)
    session.pop(PENDING, None)
    return redirect(url_for("operator.organizations"))


def _sign_in(db: Any, operator: Any) -> None:
    people.end_session(db, session.get(COOKIE))
    session[COOKIE] = people.open_session(db, operator, at=now(), lifetime=lifetime())
    session.pop(CSRF_FIELD, None)  # a new CSRF token: nothing planted before survives
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign an operator in with email, password and a fresh TOTP code."""
    if request.method == "GET":
        return render_template("operator/login.html")
    email = request.form.get("email", "").strip()
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    wait = hit(limit, "operator-sign-in", email.casefold())
    if wait is not None:
        response = make_response(render_template("operator/login.html", email=email), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    with transaction() as db:
        operator = people.find_operator(db, email) if email else None
        # Verified even for an unknown email, so that a miss takes as long as a hit.
        known = verify_password(
            operator.password_hash if operator else None, request.form.get("password", "")
        )
        if (
            operator is None
            or not known
            or not people.accept_code(db, operator, request.form.get("code", ""), at=now())
        ):
            flash("Wrong email, password or code (each code works once).", "error")
            return render_template("operator/login.html", email=email), 401
        _sign_in(db, operator)
    current_app.extensions["ratelimits"].clear(limit, "operator-sign-in", email.casefold())
    return redirect(url_for("operator.organizations"))


@bp.post("/logout")
def logout() -> Any:
    """Sign the operator out at the server."""
    with transaction() as db:
        people.end_session(db, session.pop(COOKIE, None))
    return redirect(url_for("operator.login"))


__all__ = ["bp", "operator_required"]
