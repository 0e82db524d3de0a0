"""An IdP's SAML metadata: read from a file or fetched through the outbound-address guard."""

from __future__ import annotations

import base64
import http.client
import ssl
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from saml2 import BINDING_HTTP_REDIRECT
from saml2.mdstore import MetadataStore
from saml2.s_utils import SamlException

from seat_core.outbound import HostNotFound, OutboundPolicy, RefusedDestination, check_destination

from ..outbox.webhooks import WebhookFailed, connect

# The largest metadata document accepted: an IdP's is a few kilobytes.
MAX_BYTES = 1024 * 1024
TIMEOUT = 10


class BadMetadata(ValueError):
    """The metadata cannot be used; the message says why."""


@dataclass(frozen=True)
class IdpMetadata:
    """What the gateway needs to know of an IdP's metadata, checked."""

    entity_id: str
    # The signing certificates' expiry dates, earliest first.
    certificates_expire: tuple[datetime, ...]
    single_logout: bool

    @property
    def last_expiry(self) -> datetime:
        return self.certificates_expire[-1]


def read_metadata(xml: str) -> IdpMetadata:
    """Check the metadata of exactly one IdP with at least one signing certificate.

    pysaml2 parses it with defusedxml: a document with a DTD or entities is refused.

    :raises BadMetadata: naming what is wrong.
    """
    store = MetadataStore(attrc=[], config=None, check_validity=False)
    try:
        store.load("inline", xml)
    except Exception as error:  # pysaml2 raises SAMLError, defusedxml and parser errors
        raise BadMetadata(f"not SAML metadata: {type(error).__name__}: {error}") from None
    identity_providers = list(store.identity_providers())
    if len(identity_providers) != 1:
        raise BadMetadata(f"the metadata must describe one IdP, not {len(identity_providers)}")
    [entity_id] = identity_providers
    if not store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT):
        raise BadMetadata("the IdP has no SingleSignOnService with the HTTP-Redirect binding")
    expiries = []
    for certificate in store.certs(entity_id, "idpsso", "signing"):
        text = certificate[1] if isinstance(certificate, tuple) else certificate
        try:
            der = base64.b64decode("".join(str(text).split()))
            expiries.append(x509.load_der_x509_certificate(der).not_valid_after_utc)
        except ValueError as error:
            raise BadMetadata(f"a signing certificate cannot be read: {error}") from None
    if not expiries:
        raise BadMetadata("the IdP lists no signing certificate")
    try:
        slo = bool(store.single_logout_service(entity_id, BINDING_HTTP_REDIRECT, "idpsso"))
    except SamlException:  # UnsupportedBinding: no logout endpoint by that binding
        slo = False
    return IdpMetadata(str(entity_id), tuple(sorted(expiries)), slo)


def fetch_metadata(url: str, policy: OutboundPolicy, *, timeout: float = TIMEOUT) -> str:
    """Return the metadata document at url, fetched from an address the policy allows.

    :raises BadMetadata: for a refused address, a failed request or a non-200 answer.
    """
    try:
        destination = check_destination(url, policy)
        connection = connect(destination, timeout, ssl.create_default_context())
    except (RefusedDestination, HostNotFound) as error:
        # Not an answer: a refused address is one more reason the metadata cannot be read.
        raise BadMetadata(error.message) from None
    except WebhookFailed as error:
        raise BadMetadata(str(error)) from None
    try:
        connection.request(
            "GET",
            destination.target,
            headers={"Host": destination.host_header, "Accept": "application/samlmetadata+xml"},
        )
        response = connection.getresponse()
        body = response.read(MAX_BYTES + 1)
    except (OSError, http.client.HTTPException) as error:
        raise BadMetadata(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()
    if response.status != 200:
        raise BadMetadata(f"{url} answered HTTP {response.status} {response.reason}".strip())
    if len(body) > MAX_BYTES:
        raise BadMetadata(f"{url} sent more than {MAX_BYTES} bytes")
    return body.decode("utf-8", errors="replace")
