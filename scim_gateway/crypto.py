"""Secrets kept at rest (SSO client secrets, webhook secrets), encrypted with Fernet."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from .config import ConfigurationError


class UnreadableSecret(RuntimeError):
    """A stored secret that the configured key cannot decrypt."""


def fernet(key: str | bytes | None = None) -> Fernet:
    """Return the Fernet of key, by default the app's ENCRYPTION_KEY.

    :raises ConfigurationError: when the key is not a Fernet key.
    """
    if key is None:
        key = current_app.config["ENCRYPTION_KEY"]
    try:
        return Fernet(key)
    except (TypeError, ValueError):
        raise ConfigurationError(
            "SCIM_GATEWAY_ENCRYPTION_KEY must be a Fernet key (urlsafe base64 of 32 bytes), "
            'for example from `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"`'
        ) from None


def encrypt(secret: str, key: str | bytes | None = None) -> str:
    """Return the secret encrypted (and authenticated) with the key, as text."""
    return fernet(key).encrypt(secret.encode()).decode("ascii")


def decrypt(token: str, key: str | bytes | None = None) -> str:
    """Return the secret that encrypt() turned into token.

    :raises UnreadableSecret: when the token was encrypted with another key or altered.
    """
    try:
        return fernet(key).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise UnreadableSecret(
            "A stored secret cannot be decrypted with SCIM_GATEWAY_ENCRYPTION_KEY: "
            "the key changed or the value was altered. Set the secret again."
        ) from None
