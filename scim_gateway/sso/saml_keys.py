"""The SP's own key pair: an RSA key and a self-signed certificate to sign SAML requests.

The IdP trusts the certificate as published in the SP metadata; its issuer and validity
matter to no IdP, so it is self-signed and long-lived.
"""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_BITS = 3072
VALID_DAYS = 10 * 365


def new_key_pair(common_name: str, *, at: datetime | None = None) -> tuple[str, str]:
    """Return a new RSA private key and its self-signed certificate, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    start = at or datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - timedelta(days=1))
        .not_valid_after(start + timedelta(days=VALID_DAYS))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_expiry(certificate: str) -> datetime:
    """Return when a PEM certificate expires."""
    return x509.load_pem_x509_certificate(certificate.encode()).not_valid_after_utc


_directory: tempfile.TemporaryDirectory[str] | None = None


def key_files(slug: str, key: str, certificate: str) -> tuple[str, str]:
    """Return the paths of the key and certificate written for pysaml2, which reads files.

    They live in a directory of this process that only its user can read, removed at exit;
    each is written aside and renamed into place, so a reader never sees half of one.
    """
    global _directory
    if _directory is None:
        _directory = tempfile.TemporaryDirectory(prefix="scim-gateway-saml-")
    base = Path(_directory.name)
    paths = (base / f"{slug}.key", base / f"{slug}.pem")
    for path, text in zip(paths, (key, certificate), strict=True):
        if path.exists() and path.read_text(encoding="ascii") == text:
            continue
        aside = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(text)
        os.replace(aside, path)
    return str(paths[0]), str(paths[1])
