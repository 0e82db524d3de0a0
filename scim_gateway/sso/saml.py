"""An organization's SAML 2.0 Service Provider: its URLs and what a verified sign-in gives.

The checks of a Response are saml_sp's, on pysaml2 (signatures by xmlsec1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from seat_core import Identity

# Seconds of clock difference tolerated between the IdP and the gateway.
SKEW = 120
# The attribute names of the email, given name and surname: the plain ones, Okta's
# template's, and Entra ID's default claims.
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
EMAIL_NAMES = ("email", "mail", "emailaddress", CLAIMS + "emailaddress")
GIVEN_NAMES = ("givenName", "firstName", "given_name", CLAIMS + "givenname")
SURNAMES = ("surname", "lastName", "sn", "family_name", CLAIMS + "surname")
NAME_NAMES = ("displayName", "name", "http://schemas.microsoft.com/identity/claims/displayname")


@dataclass(frozen=True)
class SamlProvider:
    """What the SP of one organization is made of: its URLs and the IdP's metadata."""

    slug: str
    public_url: str
    idp_metadata: str
    idp_initiated: bool
    # Sign AuthnRequests and LogoutRequests (RSA-SHA256) with the SP's key pair, in PEM.
    sign_requests: bool = False
    sp_key: str | None = field(default=None, repr=False)
    sp_certificate: str | None = None

    @property
    def base(self) -> str:
        return f"{self.public_url.rstrip('/')}/sso/{self.slug}/saml"

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    @property
    def acs_url(self) -> str:
        return f"{self.base}/acs"

    @property
    def slo_url(self) -> str:
        return f"{self.base}/slo"


@dataclass(frozen=True)
class Assertion:
    """A verified sign-in: who, and what the replay cache and single logout need."""

    identity: Identity
    assertion_id: str
    not_on_or_after: datetime
    in_response_to: str | None
    name_id: str
    name_id_format: str | None
    session_index: str | None
