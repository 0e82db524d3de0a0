"""pysaml2's side of the SAML Service Provider; imported on first use (pysaml2 loads its
XML schemas at import, a second or more of a worker's start).

pysaml2 parses with defusedxml (no external entities, no entity expansion), checks the
signature of the Response or of the Assertion against the certificates of the stored IdP
metadata (every one of them: a rollover lists two), the Audience, the time conditions with
two minutes of skew, and InResponseTo against the requests this browser started. What it
leaves to its caller is checked here: Destination and every bearer Recipient are the ACS
URL. The assertion id is checked to be new by the caller (seat_core.saml).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, SAMLError
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import AuthnResponse
from saml2.s_utils import SamlException
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.samlp import response_from_string
from saml2.sigver import get_xmlsec_binary
from saml2.time_util import str_to_time
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

from seat_core import Identity

from .errors import SignInFailed
from .saml import (
    EMAIL_NAMES,
    GIVEN_NAMES,
    NAME_NAMES,
    SKEW,
    SURNAMES,
    Assertion,
    SamlProvider,
)
from .saml_keys import key_files

_clients: dict[tuple[str, str, str, bool, bool, str | None], Saml2Client] = {}
# Refused in the signatures of Responses and Assertions (xmlsec1 still accepts them).
SHA1 = {SIG_RSA_SHA1, DIGEST_SHA1}
_lock = threading.Lock()


def client_of(provider: SamlProvider) -> Saml2Client:
    """Return the organization's SP, built once per configuration and process."""
    key = (
        provider.slug,
        provider.public_url,
        provider.idp_metadata,
        provider.idp_initiated,
        provider.sign_requests,
        provider.sp_certificate,
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            for old in [k for k in _clients if k[0] == provider.slug]:
                del _clients[old]
            client = _clients[key] = Saml2Client(config=_config(provider))
    return client


def _config(provider: SamlProvider) -> SPConfig:
    sign = provider.sign_requests
    keys: dict[str, Any] = {}
    if sign:
        if not provider.sp_key or not provider.sp_certificate:
            raise ValueError("signing SAML requests needs the SP's key pair")
        key_file, cert_file = key_files(provider.slug, provider.sp_key, provider.sp_certificate)
        keys = {
            "key_file": key_file,
            "cert_file": cert_file,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }
    config = SPConfig()
    config.load(
        {
            **keys,
            "entityid": provider.entity_id,
            "xmlsec_binary": get_xmlsec_binary(),
            "accepted_time_diff": SKEW,
            "metadata": {"inline": [provider.idp_metadata]},
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(provider.acs_url, BINDING_HTTP_POST)],
                        "single_logout_service": [(provider.slo_url, BINDING_HTTP_REDIRECT)],
                    },
                    # Hardened: an unsigned Response carrying an unsigned Assertion is refused.
                    "want_assertions_or_response_signed": True,
                    "want_response_signed": False,
                    "want_assertions_signed": False,
                    "authn_requests_signed": sign,
                    "logout_requests_signed": sign,
                    "allow_unsolicited": provider.idp_initiated,
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT],
                    "name_id_format_allow_create": True,
                }
            },
        }
    )
    return config


def sp_metadata(provider: SamlProvider) -> str:
    """Return the SP's metadata XML: entity id, ACS (HTTP-POST) and SLO (HTTP-Redirect)."""
    return bytes(create_metadata_string(None, config=_config(provider), valid=None)).decode()


def idp_entity_id(provider: SamlProvider) -> str:
    """Return the entity id of the IdP the stored metadata describes."""
    client = client_of(provider)
    [entity_id] = list(client.metadata.identity_providers())
    return str(entity_id)


def login_redirect(provider: SamlProvider, relay_state: str, request_id: str) -> tuple[str, str]:
    """Return the IdP's sign-in URL carrying an AuthnRequest (HTTP-Redirect), and its id."""
    client = client_of(provider)
    request_id, info = client.prepare_for_authenticate(
        entityid=idp_entity_id(provider),
        relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT,
        message_id=request_id,
        sign=provider.sign_requests,
        sigalg=SIG_RSA_SHA256 if provider.sign_requests else None,
    )
    location = dict(info["headers"])["Location"]
    return location, str(request_id)


def logout_redirect(provider: SamlProvider, name_id: Mapping[str, Any]) -> str | None:
    """Return the IdP's single logout URL with a LogoutRequest, or None without SLO."""
    client = client_of(provider)
    entity_id = idp_entity_id(provider)
    try:
        destinations = client.metadata.single_logout_service(
            entity_id, BINDING_HTTP_REDIRECT, "idpsso"
        )
    except (SAMLError, SamlException, KeyError, AttributeError):
        # No logout endpoint by that binding (UnsupportedBinding): nothing to send.
        return None
    if not destinations:
        return None
    subject = NameID(format=name_id.get("format"), text=name_id.get("text"))
    request_id, request = client.create_logout_request(
        destinations[0]["location"],
        entity_id,
        name_id=subject,
        session_indexes=[name_id["session_index"]] if name_id.get("session_index") else None,
        sign=False,
    )
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(request),
        destinations[0]["location"],
        relay_state=request_id,
        sign=provider.sign_requests,
        sigalg=SIG_RSA_SHA256 if provider.sign_requests else None,
    )
    return str(dict(info["headers"])["Location"])


def verify_response(
    provider: SamlProvider, encoded: str, outstanding: Mapping[str, str]
) -> Assertion:
    """Return the verified assertion of a base64 Response posted to the ACS.

    :param outstanding: the AuthnRequest ids this browser started, each to its flow key.
    :raises SignInFailed: for every Response that does not prove who the person is.
    """
    client = client_of(provider)
    _check_destination(provider, encoded)
    _refuse_sha1(encoded)
    try:
        response = client.parse_authn_request_response(
            encoded, BINDING_HTTP_POST, outstanding=dict(outstanding)
        )
    except Exception as error:  # pysaml2 raises a dozen kinds; every one means "refused"
        raise _refused(error, _expired_at(encoded)) from None
    if response is None or response.assertion is None:
        raise SignInFailed(
            _("The identity provider's answer could not be verified. Sign in again."),
            detail="pysaml2 returned no verified response",
        )
    return _checked(provider, response)


def _check_destination(provider: SamlProvider, encoded: str) -> None:
    """Refuse a Response addressed to another ACS (another organization's, say) at once.

    Read before any signature is checked, to refuse, never to accept: the verified
    Response's Destination is checked again below.
    """
    try:
        destination = response_from_string(base64.b64decode(encoded).decode()).destination
    except Exception:  # unreadable: pysaml2 says why below
        return
    if destination is not None and destination != provider.acs_url:
        raise SignInFailed(
            _("This answer was meant for another address. Sign in again."),
            detail=f"Destination {destination!r} is not the ACS URL {provider.acs_url!r}",
        )


def _refuse_sha1(encoded: str) -> None:
    """Refuse a Response or Assertion signed with RSA-SHA1 or digested with SHA-1.

    Read before the signature is checked, to refuse, never to accept.
    """
    try:
        response = response_from_string(base64.b64decode(encoded).decode())
    except Exception:  # unreadable: pysaml2 says why below
        return
    if response is None:
        return
    signatures = [response.signature] + [a.signature for a in response.assertion]
    for signature in filter(None, signatures):
        info = signature.signed_info
        if info is None:
            continue
        used = [info.signature_method.algorithm if info.signature_method else None]
        used += [r.digest_method.algorithm if r.digest_method else None for r in info.reference]
        weak = sorted(SHA1.intersection(filter(None, used)))
        if weak:
            raise SignInFailed(
                _(
                    "The identity provider signed its answer with SHA-1, which is not accepted. "
                    "Tell the operator: the identity provider must sign with SHA-256."
                ),
                detail=f"SAML Response refused: SHA-1 signature ({', '.join(weak)})",
            )


def _checked(provider: SamlProvider, response: AuthnResponse) -> Assertion:
    """Check what pysaml2 leaves to its caller, and read the person."""
    destination = response.response.destination
    if destination != provider.acs_url:
        raise SignInFailed(
            _("This answer was meant for another address. Sign in again."),
            detail=f"Destination {destination!r} is not the ACS URL {provider.acs_url!r}",
        )
    assertion = response.assertion
    for confirmation in assertion.subject.subject_confirmation:
        data = confirmation.subject_confirmation_data
        recipient = data.recipient if data is not None else None
        if recipient != provider.acs_url:
            raise SignInFailed(
                _("This answer was meant for another address. Sign in again."),
                detail=f"Recipient {recipient!r} is not the ACS URL {provider.acs_url!r}",
            )
    issuer = _issuer_of(provider, response)
    _check_issued(assertion)
    name_id = response.name_id
    if name_id is None or not (name_id.text or "").strip():
        raise SignInFailed(_("The identity provider sent no NameID."), detail="no NameID")
    attributes = _attributes(assertion)
    email = _first(attributes, EMAIL_NAMES)
    if email is None and name_id.format == NAMEID_FORMAT_EMAILADDRESS:
        email = name_id.text.strip()
    given, surname = _first(attributes, GIVEN_NAMES), _first(attributes, SURNAMES)
    name = _first(attributes, NAME_NAMES) or " ".join(p for p in (given, surname) if p) or None
    conditions = assertion.conditions
    expires = conditions.not_on_or_after if conditions is not None else None
    for confirmation in assertion.subject.subject_confirmation:
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            expires = min(filter(None, (expires, data.not_on_or_after)), key=_instant)
    if not expires:
        raise SignInFailed(
            _("The identity provider's answer has no end of validity. Sign in again."),
            detail="assertion without NotOnOrAfter",
        )
    statement = assertion.authn_statement[0] if assertion.authn_statement else None
    return Assertion(
        identity=Identity(
            issuer=issuer,
            subject=name_id.text.strip(),
            email=email,
            # SAML has no "verified" flag: the organization's domains decide (seat_core.trust).
            email_verified=None,
            name=name,
        ),
        assertion_id=str(assertion.id),
        not_on_or_after=_instant(expires),
        in_response_to=response.in_response_to,
        name_id=name_id.text.strip(),
        name_id_format=name_id.format,
        session_index=statement.session_index if statement is not None else None,
    )


def _issuer_of(provider: SamlProvider, response: AuthnResponse) -> str:
    """Return the issuer of the signed Assertion, the one the member's link may name.

    When only the Assertion is signed (Entra ID's default), the Response's own Issuer is
    covered by no signature: it must then say the same, and both must be the IdP of the
    stored metadata, or anyone could pick the issuer half of a member's link.
    """
    element = response.assertion.issuer
    issuer = (element.text or "").strip() if element is not None else ""
    outer = response.response.issuer
    said = (outer.text or "").strip() if outer is not None else None
    expected = idp_entity_id(provider)
    if said is not None and said != issuer:
        raise SignInFailed(
            _("The identity provider's answer could not be verified. Sign in again."),
            detail=f"Response Issuer {said!r} is not the Assertion's Issuer {issuer!r}",
        )
    if issuer != expected:
        raise SignInFailed(
            _("The identity provider's answer could not be verified. Sign in again."),
            detail=f"Assertion Issuer {issuer!r} is not the IdP of the metadata {expected!r}",
        )
    return issuer


def _check_issued(assertion: Any) -> None:
    """Refuse an Assertion issued later than now, give or take the skew NotBefore has."""
    issued = _instant(assertion.issue_instant) if assertion.issue_instant else None
    if issued is None or issued > datetime.now(UTC) + timedelta(seconds=SKEW):
        raise SignInFailed(
            _("The identity provider's answer is not valid yet; check its clock. Sign in again."),
            detail=f"Assertion IssueInstant {assertion.issue_instant} is in the future",
        )


def _attributes(assertion: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [
                v.text.strip() for v in attribute.attribute_value if v.text and v.text.strip()
            ]
            found.setdefault(attribute.name, []).extend(values)
    return found


def _first(attributes: Mapping[str, list[str]], names: tuple[str, ...]) -> str | None:
    for name in names:
        if attributes.get(name):
            return attributes[name][0]
    return None


def _instant(value: str) -> datetime:
    return datetime(*str_to_time(value)[:6], tzinfo=UTC)


def _expired_at(encoded: str) -> datetime | None:
    """Return when the refused Response's assertion ended, if it has (to say so, not to judge)."""
    try:
        response = response_from_string(base64.b64decode(encoded).decode())
        ends = [
            _instant(assertion.conditions.not_on_or_after)
            for assertion in response.assertion
            if assertion.conditions is not None and assertion.conditions.not_on_or_after
        ]
    except Exception:  # unreadable: the refusal's own reason says enough
        return None
    past = [end for end in ends if end <= datetime.now(UTC) - timedelta(seconds=SKEW)]
    return min(past) if past else None


def _refused(error: Exception, expired_at: datetime | None) -> SignInFailed:
    kind = type(error).__name__
    text = str(error) or kind
    lowered = text.lower()
    if expired_at is not None or kind == "ResponseLifetimeExceed":
        message = _("The identity provider's answer has expired. Sign in again.")
        text += f" (assertion expired at {expired_at.isoformat() if expired_at else '?'})"
    elif kind == "ToEarly":
        message = _(
            "The identity provider's answer is not valid yet; check its clock. Sign in again."
        )
    elif "unsolicited" in lowered:
        message = _(
            "Sign-in started at the identity provider is not allowed here, or this sign-in "
            "was not started in this browser. Sign in again."
        )
    elif "signed" in lowered or "signature" in lowered:
        message = _(
            "The identity provider's answer is not signed by its certificate. Sign in again."
        )
    else:
        message = _("The identity provider's answer could not be verified. Sign in again.")
    return SignInFailed(message, detail=f"SAML Response refused: {kind}: {text}"[:500])
