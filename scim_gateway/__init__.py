"""SCIM Seat Gateway: the Flask adapter around the seat core."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config, cookies, db, guard, health, i18n, logs, metrics, ratelimit, routing


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and wire the app: configuration, database, blueprints, CLI, health."""
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    logs.init_app(app)
    i18n.init_app(app)
    cookies.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    health.init_app(app)
    guard.init_app(app)
    ratelimit.init_app(app)
    routing.init_app(app)

    from . import admin, api, landing, scim, sso
    from .api import operator
    from .operator import console

    _register_operator_views()

    app.register_blueprint(scim.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(operator.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(landing.bp)
    return app


def _register_operator_views() -> None:
    """Import the operators' views, which register themselves on their blueprints."""
    from .api import operator_invoices, operator_openapi, operator_orgs, operator_parts  # noqa: F401
    from .api import operator_saml as _saml  # noqa: F401
    from .operator import pages  # noqa: F401
