"""SAML 2.0 sign-in set over the operator API, from the IdP's metadata or its URL."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from seat_core import get_organization

from ..clock import now
from ..db import transaction
from ..sso.saml_setup import configure_saml, load_metadata
from .auth import only_params
from .operator import InvalidSso, bp, field, json_object
from .operator_parts import checked_domains, checked_url, sso_json

# The largest metadata document accepted inline, as the fetch accepts (an IdP's is a few KB).
MAX_METADATA = 1024 * 1024 - 1024


@bp.put("/orgs/<org>/sso/saml")
def set_saml(org: str) -> Any:
    """Set SAML sign-in from the IdP's metadata, given inline or fetched from its URL."""
    # pysaml2 loads its XML schemas at import: only this view needs them.
    from ..sso.idp_metadata import BadMetadata

    only_params()
    body = json_object(
        '{"idp_metadata_url": "https://idp.example/metadata", '
        '"product_url": "https://app.example"}',
        required=("product_url",),
        optional=(
            "idp_metadata",
            "idp_metadata_url",
            "jit",
            "domains",
            "idp_initiated",
            "sign_requests",
        ),
    )
    xml = field(body, "idp_metadata", str)
    url = field(body, "idp_metadata_url", str)
    if (xml is None) == (url is None):
        raise InvalidSso('Send the IdP\'s metadata as "idp_metadata" or "idp_metadata_url".')
    if xml is not None and not 0 < len(xml) <= MAX_METADATA:
        raise InvalidSso(f'"idp_metadata" must be 1 to {MAX_METADATA} characters of XML.')
    url = url and checked_url(url, "idp_metadata_url")
    product_url = checked_url(field(body, "product_url", str), "product_url")
    domains = checked_domains(body)
    jit = field(body, "jit", bool, default=True)
    idp_initiated = field(body, "idp_initiated", bool, default=False)
    sign_requests = field(body, "sign_requests", bool, default=False)
    try:
        # Fetched before the transaction opens: a slow IdP holds no database connection.
        metadata = load_metadata(
            xml=xml, url=url, networks=current_app.config["WEBHOOK_ALLOWED_NETWORKS"]
        )
    except BadMetadata as error:
        raise InvalidSso(f"The IdP's metadata cannot be used: {error}"[:500]) from None
    with transaction() as session:
        organization = get_organization(session, org)
        config = configure_saml(
            session,
            organization,
            at=now(),
            metadata=metadata,
            product_url=product_url,
            domains=domains,
            jit=jit,
            idp_initiated=idp_initiated,
            sign_requests=sign_requests,
        )
        return jsonify(sso_json(config, org))
