"""HTTPS webhooks go to the checked address while TLS names and verifies the host."""

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from ipaddress import ip_network
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scim_gateway.outbox.webhooks import WebhookFailed, post
from seat_core.outbound import OutboundPolicy
from tests.support.webhooks import resolving_to

LOOPBACK = OutboundPolicy(
    allowed_networks=(ip_network("127.0.0.1/32"),), resolve=resolving_to("127.0.0.1")
)


def write_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """Write a self-signed certificate for name and its key; return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def https_receiver(cert: Path, key: Path) -> Iterator[dict]:
    """Serve HTTPS on a free 127.0.0.1 port; record the SNI name and the Host header."""
    seen: dict = {"port": 0, "sni": None, "host": None}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen["host"] = self.headers.get("Host")
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output clean."""

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_name(sock: ssl.SSLSocket, name: str | None, ctx: ssl.SSLContext) -> None:
        seen["sni"] = name

    context.sni_callback = remember_name
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    seen["port"] = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def send(url: str, trusted: Path) -> None:
    post(
        url,
        policy=LOOPBACK,
        secret="whsec_c2VjcmV0",
        message_id="msg_1",
        timestamp=1,
        body=b"{}",
        timeout=5,
        tls=ssl.create_default_context(cafile=str(trusted)),
    )


def test_an_https_webhook_names_the_host_in_sni_and_host_while_connecting_to_the_checked_address(
    tmp_path,
):
    cert, key = write_certificate(tmp_path, "hooks.example.com")

    with https_receiver(cert, key) as seen:
        send(f"https://hooks.example.com:{seen['port']}/seats", trusted=cert)

    assert seen["sni"] == "hooks.example.com"
    assert seen["host"] == f"hooks.example.com:{seen['port']}"


def test_an_https_webhook_refuses_a_certificate_for_another_name(tmp_path):
    cert, key = write_certificate(tmp_path, "other.example.com")

    with https_receiver(cert, key) as seen, pytest.raises(WebhookFailed) as failed:
        send(f"https://hooks.example.com:{seen['port']}/seats", trusted=cert)

    assert "TLS with hooks.example.com failed" in str(failed.value)
    assert seen["host"] is None
