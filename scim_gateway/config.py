"""Configuration: defaults, then SCIM_GATEWAY_* environment variables, then checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from seat_core import Seller
from seat_core.db import POOLERS
from seat_core.outbound import parse_networks

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///instance/scim-gateway.db",
    # "production" (the image's entrypoint sets it) requires PUBLIC_URL and closes /metrics
    # unless METRICS_TOKEN or METRICS_OPEN is set; "development" defaults both for a laptop.
    "ENVIRONMENT": "development",
    "PUBLIC_URL": None,
    "METRICS_TOKEN": None,
    "METRICS_OPEN": None,
    # "transaction" behind PgBouncer's pool_mode=transaction or a pooler like it (README).
    "DATABASE_POOLER": "direct",
    # Seconds a request waits for a connection of its worker's pool before a 503.
    "DATABASE_POOL_TIMEOUT": 30,
    # SCIM request limits.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SCIM_MAX_RESULTS": 200,
    "SCIM_MAX_FILTER_LENGTH": 2000,
    # Per SCIM token: room for an initial Entra or Okta sync (and scim2-tester), not a runaway loop.
    "SCIM_RATE_LIMIT": "6000/minute",
    # Seconds a worker trusts a SCIM token it has read: the bound on a revocation taking
    # effect (README, Performance). 0 reads the token on every request.
    "SCIM_TOKEN_CACHE_SECONDS": 2,
    # Days a new SCIM token, or an owner's API token, lives unless issued with
    # --expires-in-days or --no-expiry (RFC 7644 §7.4: bearer tokens must have a limited
    # lifetime).
    "SCIM_TOKEN_LIFETIME_DAYS": 365,
    "API_TOKEN_LIFETIME_DAYS": 365,
    "REDIS_URL": None,
    # Owners.
    "MAX_SEATS_PER_PURCHASE": 10_000,
    "SESSION_LIFETIME_MINUTES": 60,
    "LOGIN_RATE_LIMIT": "10/minute",
    # Alerts.
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "MAIL_FROM": "seats@localhost",
    # Networks webhooks may go to besides public addresses, e.g. "10.20.0.0/16" (docs/alerts.md).
    "WEBHOOK_ALLOWED_NETWORKS": "",
    # Invoices: the seller printed on every invoice, and the days customers have to pay.
    "SELLER_NAME": "",
    "SELLER_ADDRESS": "",
    "SELLER_TAX_ID": "",
    "INVOICE_NET_DAYS": 30,
    # A TrueType font for invoice PDFs instead of the DejaVu Sans they embed (admin/fonts).
    "INVOICE_PDF_FONT": None,
    # Days the event log keeps an event; the alert worker prunes older ones (docs/events.md).
    "EVENT_RETENTION_DAYS": 400,
    # Seconds a 503 tells clients to wait before retrying.
    "RETRY_AFTER_SECONDS": 5,
    "LOG_LEVEL": "INFO",
    # The organization the landing page offers for sign-in, set by `make run` for its demo;
    # empty in production, where the page names none.
    "DEMO_ORGANIZATION": "",
}

# Without these the gateway cannot sign sessions or keep SSO client secrets.
REQUIRED = ("SECRET_KEY", "ENCRYPTION_KEY")
ENVIRONMENTS = ("development", "production")
# Where a development instance is served when PUBLIC_URL is unset (`make run`).
DEVELOPMENT_URL = "http://127.0.0.1:8000"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


class ConfigurationError(RuntimeError):
    """The configuration is incomplete or wrong; the message says what to set."""


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults and the environment, or from test_config."""
    app.config.from_mapping(DEFAULTS)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    if test_config is None:
        app.config.from_prefixed_env("SCIM_GATEWAY")
    else:
        app.config.update(test_config)
    missing = [name for name in REQUIRED if not app.config.get(name)]
    if missing:
        names = ", ".join(f"SCIM_GATEWAY_{name}" for name in missing)
        raise ConfigurationError(
            f"Missing configuration: set {names} (for example with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`)'
        )
    production = _environment(app) == "production"
    if not app.config.get("PUBLIC_URL"):
        if production:
            raise ConfigurationError(
                "Missing configuration: set SCIM_GATEWAY_PUBLIC_URL to the URL people and "
                "identity providers reach the gateway at (like https://seats.example.com); "
                "mail and SSO links are built from it"
            )
        app.config["PUBLIC_URL"] = DEVELOPMENT_URL
    public_url = str(app.config["PUBLIC_URL"]).rstrip("/")
    app.config["PUBLIC_URL"] = public_url
    opened = app.config["METRICS_OPEN"]
    app.config["METRICS_OPEN"] = not production if opened is None else _flag("METRICS_OPEN", opened)
    app.config["SESSION_COOKIE_SECURE"] = public_url.startswith("https://")
    for name in (
        "MAX_CONTENT_LENGTH",
        "SCIM_MAX_RESULTS",
        "SCIM_MAX_FILTER_LENGTH",
        "SMTP_PORT",
        "INVOICE_NET_DAYS",
        "SCIM_TOKEN_CACHE_SECONDS",
        "EVENT_RETENTION_DAYS",
        "SCIM_TOKEN_LIFETIME_DAYS",
        "API_TOKEN_LIFETIME_DAYS",
    ):
        try:
            app.config[name] = int(app.config[name])
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"SCIM_GATEWAY_{name} must be a whole number, not {app.config[name]!r}"
            ) from None
    try:
        networks = parse_networks(app.config["WEBHOOK_ALLOWED_NETWORKS"])
    except ValueError as error:
        raise ConfigurationError(f"SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS: {error}") from None
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = networks
    try:
        app.config["DATABASE_POOL_TIMEOUT"] = float(app.config["DATABASE_POOL_TIMEOUT"])
    except (TypeError, ValueError):
        raise ConfigurationError(
            "SCIM_GATEWAY_DATABASE_POOL_TIMEOUT must be a number of seconds, "
            f"not {app.config['DATABASE_POOL_TIMEOUT']!r}"
        ) from None
    if app.config["DATABASE_POOLER"] not in POOLERS:
        raise ConfigurationError(
            f"SCIM_GATEWAY_DATABASE_POOLER must be {' or '.join(POOLERS)}, "
            f"not {app.config['DATABASE_POOLER']!r}"
        )
    if app.config["EVENT_RETENTION_DAYS"] < 1:
        raise ConfigurationError("SCIM_GATEWAY_EVENT_RETENTION_DAYS must be at least 1 day")
    for name in ("SCIM_TOKEN_LIFETIME_DAYS", "API_TOKEN_LIFETIME_DAYS"):
        if app.config[name] < 1:
            raise ConfigurationError(f"SCIM_GATEWAY_{name} must be at least 1 day")
    if not 0 <= app.config["INVOICE_NET_DAYS"] <= 365:
        raise ConfigurationError("SCIM_GATEWAY_INVOICE_NET_DAYS must be from 0 to 365 days")


def _environment(app: Flask) -> str:
    name = str(app.config["ENVIRONMENT"]).strip().lower()
    if name not in ENVIRONMENTS:
        raise ConfigurationError(
            f"SCIM_GATEWAY_ENVIRONMENT must be development or production, not {name!r}"
        )
    app.config["ENVIRONMENT"] = name
    return name


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in TRUE + FALSE:
        raise ConfigurationError(f"SCIM_GATEWAY_{name} must be true or false, not {value!r}")
    return text in TRUE


def seller(config: Mapping[str, Any]) -> Seller:
    """Return the seller that invoices issued under this configuration carry."""
    return Seller(
        name=str(config.get("SELLER_NAME") or ""),
        # An address set in one environment variable separates its lines with "\n".
        address=str(config.get("SELLER_ADDRESS") or "").replace("\\n", "\n"),
        tax_id=str(config.get("SELLER_TAX_ID") or ""),
        net_days=int(config["INVOICE_NET_DAYS"]),
    )
