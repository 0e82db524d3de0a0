"""A real HTTP receiver that checks Standard Webhooks signatures."""

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from seat_core.outbound import OutboundPolicy, Resolver

# A public address (example.com's) that names resolve to in tests; nothing connects to it.
PUBLIC_ADDRESS = "93.184.215.14"
# The receivers below listen on loopback, which the gateway refuses unless an operator
# allows it: tests that deliver to them allow exactly this.
LOOPBACK_ALLOWED = "127.0.0.1/32"


def resolving_to(*addresses: str) -> Resolver:
    """Return a resolver that gives these addresses for every name, as a DNS server would."""

    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


# Names resolve to a public address; no network is allowed besides public ones.
PUBLIC_NAMES = OutboundPolicy(resolve=resolving_to(PUBLIC_ADDRESS))
# What the receivers need: loopback allowed, as the setting would.
RECEIVERS_ALLOWED = OutboundPolicy(allowed_networks=(ip_network(LOOPBACK_ALLOWED),))


@dataclass(frozen=True)
class ReceivedWebhook:
    """One request as received, with the status it was answered with."""

    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    status: int

    @property
    def accepted(self) -> bool:
        """Tell whether the request was answered with a success status."""
        return 200 <= self.status < 300


def new_webhook_secret() -> str:
    """Return a fresh secret in the "whsec_<base64>" form."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookReceiver:
    """Record webhook deliveries and answer them as a real endpoint would."""

    def __init__(self, url: str, secret: str, fail_first: int) -> None:
        self.url = url
        self.secret = secret
        self.requests: list[ReceivedWebhook] = []
        self._verifier = Webhook(secret)
        self._failures_left = fail_first
        self._arrived = threading.Condition()
        self._redirect_to: str | None = None
        self._hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held_headers: dict[str, str] = {}

    def redirect_to(self, location: str) -> None:
        """Answer every request from now on with 302 Found and this Location."""
        with self._arrived:
            self._redirect_to = location

    def hold(self, nth: int) -> None:
        """Keep the nth request (counting from 1) unanswered until release is set.

        holding is set once that request has arrived, so a test can act while the sender
        is known to be waiting for the answer.
        """
        with self._arrived:
            self._hold_at = nth

    @property
    def redirect_location(self) -> str | None:
        """Return the Location to redirect to, if the receiver redirects."""
        return self._redirect_to

    def fail_next(self, count: int) -> None:
        """Answer the next count correctly signed requests with 500."""
        with self._arrived:
            self._failures_left = count

    @property
    def accepted(self) -> list[ReceivedWebhook]:
        """Return the requests that were answered with success."""
        # The condition's lock is reentrant, so waiters may call this too.
        with self._arrived:
            return [request for request in self.requests if request.accepted]

    def wait_for_accepted(self, count: int, timeout: float = 10.0) -> list[ReceivedWebhook]:
        """Wait until at least count requests were accepted and return those."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(accepted := self.accepted) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} accepted webhook(s) within {timeout}s, "
                        f"got {len(accepted)} of {len(self.requests)} received"
                    )
                self._arrived.wait(remaining)
            return accepted

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Record one request and return the status to answer it with."""
        valid = self._signature_valid(headers, body)
        with self._arrived:
            held = self._hold_at == len(self.requests) + 1
        if held:
            self.held_headers = headers
            self.holding.set()
            self.release.wait()
        with self._arrived:
            if self._redirect_to is not None:
                status = 302
            elif not valid:
                status = 401
            elif self._failures_left > 0:
                self._failures_left -= 1
                status = 500
            else:
                status = 204
            self.requests.append(ReceivedWebhook(path, headers, body, valid, status))
            self._arrived.notify_all()
        return status

    def _signature_valid(self, headers: dict[str, str], body: bytes) -> bool:
        """Tell whether the headers carry a valid, fresh signature of the body."""
        try:
            self._verifier.verify(body, headers, json_parse=False)
        # The library lets malformed headers escape as ValueError or binascii.Error.
        except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError):
            return False
        return True


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    """Return a request handler class that feeds the given receiver."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.receive(self.path, headers, body)
            try:
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", receiver.redirect_location or "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                # The sender is gone (a test killed it while the request was held).
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output clean; requests are recorded instead."""

    return Handler


@contextmanager
def start_webhook_receiver(
    secret: str | None = None, fail_first: int = 0
) -> Iterator[WebhookReceiver]:
    """Run a webhook receiver on a free 127.0.0.1 port for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = WebhookReceiver(
        f"http://127.0.0.1:{server.server_port}", secret or new_webhook_secret(), fail_first
    )
    server.RequestHandlerClass = _handler_for(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        # A request still held would keep server_close() waiting for its thread.
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
