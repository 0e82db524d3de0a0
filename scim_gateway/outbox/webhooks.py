"""Webhooks signed by the Standard Webhooks scheme (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import socket
import ssl
from typing import Any

from seat_core.outbound import (
    Destination,
    HostNotFound,
    OutboundPolicy,
    RefusedDestination,
    check_destination,
)

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
    """The endpoint did not accept the webhook; the message says why.

    A permanent failure (a refused address, a redirect) is given up at once: sending again
    would fail the same way until an owner changes the URL.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def post(
    url: str,
    *,
    policy: OutboundPolicy,
    secret: str,
    message_id: str,
    timestamp: int,
    body: bytes,
    timeout: float,
    tls: ssl.SSLContext | None = None,
) -> None:
    """Send one signed webhook to an address the policy allows; any answer but 2xx fails.

    The rules are in docs/alerts.md, "Where webhooks may go".

    The URL is checked again here, and the connection goes to the very address checked,
    with the name in the Host header and in TLS (SNI and certificate): a name that pointed
    to a public address when the URL was saved may point to an internal one now.

    :raises WebhookFailed: on a refused address, a non-2xx answer (a redirect included:
        it is not followed), a timeout or a network error.
    """
    try:
        destination = check_destination(url, policy)
    except RefusedDestination as error:
        raise WebhookFailed(error.message, permanent=True) from None
    except HostNotFound as error:
        raise WebhookFailed(error.message) from None
    headers = {
        "Host": destination.host_header,
        "Content-Type": "application/json",
        "User-Agent": "scim-seat-gateway-webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
    connection = connect(destination, timeout, tls or ssl.create_default_context())
    try:
        connection.request("POST", destination.target, body=body, headers=headers)
        response = connection.getresponse()
        status, reason = response.status, response.reason
    except (OSError, http.client.HTTPException) as error:
        raise WebhookFailed(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()
    if 300 <= status < 400:
        # Not followed: the signature was made for this URL's owner, and the target was never
        # checked against the policy. Sending again would be redirected again.
        raise WebhookFailed(f"HTTP {status} {reason}".strip(), permanent=True)
    if not 200 <= status < 300:
        raise WebhookFailed(f"HTTP {status} {reason or ''}".strip())


def connect(
    destination: Destination, timeout: float, tls: ssl.SSLContext
) -> http.client.HTTPConnection:
    """Open a connection to one of the destination's checked addresses, never another."""
    errors: list[str] = []
    for address in destination.addresses:
        try:
            sock = socket.create_connection((str(address), destination.port), timeout=timeout)
        except OSError as error:
            errors.append(f"{address}: {type(error).__name__}: {error}")
            continue
        if destination.scheme == "https":
            try:
                sock = tls.wrap_socket(sock, server_hostname=destination.host)
            except OSError as error:
                sock.close()
                raise WebhookFailed(f"TLS with {destination.host} failed: {error}") from None
        # Given a connected socket, http.client sends on it and never resolves the name.
        connection = http.client.HTTPConnection(destination.host, destination.port, timeout=timeout)
        connection.sock = sock
        return connection
    raise WebhookFailed("Could not connect: " + "; ".join(errors))
