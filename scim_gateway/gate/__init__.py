"""The seat gate of sign-ins: match the person to a member and let them in only with a seat.

Shared by the OpenID Connect callback and the sign-in hook of the API. It runs after the
identity has been verified and before any session exists. admit() works in the caller's
transaction and raises SignInRefused to have it rolled back; the caller then records the
seat request with record_request() in a transaction of its own.
"""

from .admission import (
    REQUESTABLE,
    Admission,
    Requester,
    SignInRefused,
    admit,
    find_request,
    record_request,
)
from .people import Identity, Policy, parse_domains, trusted_email, verified_email

__all__ = [
    "REQUESTABLE",
    "Admission",
    "Identity",
    "Policy",
    "Requester",
    "SignInRefused",
    "admit",
    "find_request",
    "parse_domains",
    "record_request",
    "trusted_email",
    "verified_email",
]
