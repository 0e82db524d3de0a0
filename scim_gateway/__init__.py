"""SCIM Seat Gateway: the Flask adapter around the seat core."""

from __future__ import annotations

from importlib import import_module
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

    import_views()
    from . import admin, api, landing, scim, sso
    from .api import operator
    from .operator import console

    app.register_blueprint(scim.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(operator.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(landing.bp)
    return app


# The modules of views: the blueprints, and the operators' views that register on theirs.
_VIEW_MODULES = (
    "admin",
    "api",
    "landing",
    "scim",
    "sso",
    "api.operator",
    "api.operator_invoices",
    "api.operator_openapi",
    "api.operator_orgs",
    "api.operator_parts",
    "api.operator_saml",
    "operator.console",
    "operator.pages",
)


def import_views() -> None:
    """Import every module of views; the operators' register themselves on their blueprints.

    create_app calls it (a module is imported once). A process that forks short-lived
    children which each create the app (the command line's test harness) calls it once
    beforehand, so that no child imports the views again.
    """
    for name in _VIEW_MODULES:
        import_module(f"{__name__}.{name}")
