"""Delivery settings, read from the app's configuration (SCIM_GATEWAY_ALERT_* variables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seat_core.outbound import IPNetwork, OutboundPolicy, Resolver, parse_networks, resolve_host

from ..config import ConfigurationError

DEFAULTS: dict[str, float] = {
    # Deliveries one worker claims at a time.
    "ALERT_BATCH_SIZE": 20,
    # How long a claim lasts: a worker killed mid-batch leaves its claims to expire.
    "ALERT_LEASE_SECONDS": 120,
    # First retry delay; each later one doubles, up to the maximum, with jitter.
    "ALERT_RETRY_BASE_SECONDS": 30,
    "ALERT_RETRY_MAX_SECONDS": 3600,
    # A delivery still failing this long after it was queued is given up (dead).
    "ALERT_GIVE_UP_SECONDS": 3 * 24 * 3600,
    # The worker's sleep between passes when nothing is due.
    "ALERT_POLL_SECONDS": 5,
    # Timeout of one SMTP conversation or webhook request.
    "ALERT_SEND_TIMEOUT_SECONDS": 10,
    # How often the worker looks for renewals coming in 30 days.
    "ALERT_RENEWAL_CHECK_SECONDS": 600,
}


@dataclass(frozen=True)
class Options:
    """What a worker needs to know to deliver alerts."""

    batch_size: int
    lease_seconds: float
    retry_base_seconds: float
    retry_max_seconds: float
    give_up_seconds: float
    poll_seconds: float
    send_timeout_seconds: float
    renewal_check_seconds: float
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str | None
    smtp_password: str | None
    mail_from: str
    public_url: str
    webhook_allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_config(cls, config: Any) -> Options:
        """Read the options from app.config, refusing values that are not numbers.

        :raises ConfigurationError: naming the variable to fix.
        """
        numbers: dict[str, float] = {}
        for name, default in DEFAULTS.items():
            value = config.get(name, default)
            try:
                numbers[name] = float(value)
            except (TypeError, ValueError):
                raise ConfigurationError(
                    f"SCIM_GATEWAY_{name} must be a number, not {value!r}"
                ) from None
            if numbers[name] < 0 or (name == "ALERT_BATCH_SIZE" and numbers[name] < 1):
                raise ConfigurationError(f"SCIM_GATEWAY_{name} must be positive, not {value!r}")
        return cls(
            batch_size=int(numbers["ALERT_BATCH_SIZE"]),
            lease_seconds=numbers["ALERT_LEASE_SECONDS"],
            retry_base_seconds=numbers["ALERT_RETRY_BASE_SECONDS"],
            retry_max_seconds=numbers["ALERT_RETRY_MAX_SECONDS"],
            give_up_seconds=numbers["ALERT_GIVE_UP_SECONDS"],
            poll_seconds=numbers["ALERT_POLL_SECONDS"],
            send_timeout_seconds=numbers["ALERT_SEND_TIMEOUT_SECONDS"],
            renewal_check_seconds=numbers["ALERT_RENEWAL_CHECK_SECONDS"],
            smtp_host=str(config.get("SMTP_HOST") or "127.0.0.1"),
            smtp_port=int(config.get("SMTP_PORT") or 25),
            smtp_starttls=_flag(config.get("SMTP_STARTTLS")),
            smtp_username=config.get("SMTP_USERNAME") or None,
            smtp_password=config.get("SMTP_PASSWORD") or None,
            mail_from=str(config.get("MAIL_FROM") or "seats@localhost"),
            public_url=str(config.get("PUBLIC_URL") or "").rstrip("/"),
            webhook_allowed_networks=_networks(config.get("WEBHOOK_ALLOWED_NETWORKS")),
        )

    def webhook_policy(self, resolve: Resolver = resolve_host) -> OutboundPolicy:
        """Return where webhooks may go: public addresses and the allowed networks."""
        return OutboundPolicy(allowed_networks=self.webhook_allowed_networks, resolve=resolve)


def webhook_policy(config: Any) -> OutboundPolicy:
    """Return where webhooks may go under this configuration, names resolved by the system.

    :raises ConfigurationError: when SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS is not a list of
        networks.
    """
    return OutboundPolicy(allowed_networks=_networks(config.get("WEBHOOK_ALLOWED_NETWORKS")))


def _networks(value: Any) -> tuple[IPNetwork, ...]:
    """Read the allowed networks, already parsed by config.load or given as text."""
    try:
        return parse_networks(value)
    except ValueError as error:
        raise ConfigurationError(f"SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS: {error}") from None


def _flag(value: Any) -> bool:
    """Read a boolean that may come from the environment as text."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
