"""Webhooks signed by the Standard Webhooks scheme (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

import requests

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """Return a fresh endpoint secret, "whsec_" and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Return the webhook-signature header: v1,<base64 HMAC-SHA256 of "id.timestamp.body">."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def body_of(event: str, created_at: str, data: dict[str, Any]) -> bytes:
    """Return the JSON body: the same bytes on every retry of a message."""
    payload = {"type": event, "timestamp": created_at, "data": data}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


class WebhookFailed(Exception):
    """The endpoint did not accept the webhook; the message says why."""


def post(
    http: requests.Session,
    url: str,
    *,
    secret: str,
    message_id: str,
    timestamp: int,
    body: bytes,
    timeout: float,
) -> None:
    """Send one signed webhook; any answer but 2xx is a failure.

    :raises WebhookFailed: on a non-2xx answer, a timeout or a network error.
    """
    headers = {
        "content-type": "application/json",
        "user-agent": "scim-seat-gateway-webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
    try:
        # Redirects are not followed: the signature was made for this URL's owner.
        response = http.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as error:
        raise WebhookFailed(f"{type(error).__name__}: {error}") from None
    response.close()
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"HTTP {response.status_code} {response.reason or ''}".strip())
