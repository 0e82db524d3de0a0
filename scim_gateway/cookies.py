"""Flask's signed-cookie session, opened only for a request that carries its cookie."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Flask's own sessions, but a request without the cookie costs no signing serializer.

    Flask builds the serializer (itsdangerous, with its key derivation) for every request
    before it looks for the cookie, about 60 µs; SCIM, API and health requests carry no
    cookie, and get the empty session Flask would give them anyway.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None  # as Flask: without a secret key there is no session
        # "in" first: Werkzeug's get() of a missing key raises and catches an HTTP error.
        name = self.get_cookie_name(app)
        if name not in request.cookies or not request.cookies[name]:
            return self.session_class()
        opened: Any = super().open_session(app, request)
        return opened


def init_app(app: Flask) -> None:
    """Serve the app's sessions by CookieSessions."""
    app.session_interface = CookieSessions()
