"""The issuer of a SAML sign-in comes from the signed Assertion and the stored metadata."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from seat_core.models import Event, Member, SamlAssertion, SeatRequest, WebSession
from tests.api.sso import test_saml
from tests.api.sso.test_saml import PRODUCT, PUBLIC, Run
from tests.support.saml_idp import SamlIdp

idp, metadata_file, run, app_of = (
    test_saml.idp,
    test_saml.metadata_file,
    test_saml.run,
    test_saml.app_of,
)
ACS = f"{PUBLIC}/sso/acme/saml/acs"
AUDIENCE = f"{PUBLIC}/sso/acme/saml/metadata"
EVIL = "http://evil.example/idp"


@pytest.fixture
def client(run: Run, metadata_file: Path, idp: SamlIdp, app_of: Callable[[], Flask]) -> FlaskClient:
    code, output = run(
        *("sso", "set-saml", "--org", "acme", "--idp-metadata-file", str(metadata_file)),
        *("--domains", "acme.test", "--product-url", PRODUCT, "--idp-initiated"),
    )
    assert code == 0, output
    client = app_of().test_client()
    idp.trust(client.get("/sso/acme/saml/metadata").get_data(as_text=True))
    return client


def signed_alone(idp: SamlIdp, name_id: str, **options: Any) -> str:
    """A Response for recycled@acme.test under name_id, only its Assertion signed (Entra)."""
    return idp.response(
        "recycled@acme.test",
        acs=ACS,
        audience=AUDIENCE,
        in_response_to=None,
        sign_response=False,
        sign_assertion=True,
        name_id=name_id,
        **options,
    )


def with_response_issuer(encoded: str, issuer: str | None) -> str:
    """Change (or drop) the Response's own Issuer, which no signature covers here."""
    xml = base64.b64decode(encoded).decode()
    pattern = r"(<ns0:Response\b[^>]*>)<ns1:Issuer\b[^>]*>[^<]*</ns1:Issuer>"
    replacement = (
        r"\1" if issuer is None else rf'\1<ns1:Issuer Format="{_ENTITY}">{issuer}</ns1:Issuer>'
    )
    edited, count = re.subn(pattern, replacement, xml, count=1)
    assert count == 1, xml[:400]
    return base64.b64encode(edited.encode()).decode()


_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"


def post(client: FlaskClient, encoded: str) -> Any:
    return client.post("/sso/acme/saml/acs", data={"SAMLResponse": encoded, "again": "1"})


def written(client: FlaskClient) -> dict[str, Any]:
    """What a refused sign-in must leave as it was: members, links, events, sessions."""
    app = client.application
    with app.app_context(), app.extensions["db"].sessions() as session:
        members = session.execute(
            select(Member.user_name, Member.sso_issuer, Member.sso_subject, Member.active)
        ).all()
        return {
            "members": sorted(tuple(row) for row in members),
            "events": session.scalar(select(func.count()).select_from(Event)),
            "requests": session.scalar(select(func.count()).select_from(SeatRequest)),
            "assertions": session.scalar(select(func.count()).select_from(SamlAssertion)),
            "sessions": session.scalar(select(func.count()).select_from(WebSession)),
        }


def test_an_edited_response_issuer_cannot_take_over_a_linked_member(
    client: FlaskClient, idp: SamlIdp
) -> None:
    first = post(client, signed_alone(idp, "old-id-1"))
    conflict = post(client, signed_alone(idp, "new-id-2"))
    before = written(client)

    takeover = post(
        FlaskClient(client.application), with_response_issuer(signed_alone(idp, "new-id-2"), EVIL)
    )

    assert first.status_code == 302 and conflict.status_code == 403
    assert "linked to another account" in conflict.get_data(as_text=True)
    page = takeover.get_data(as_text=True)
    assert takeover.status_code == 400 and "could not be verified" in page
    assert "Traceback" not in page
    after = written(client)
    assert after == before
    assert after["members"] == [("recycled@acme.test", idp.entity_id, "old-id-1", True)]


def test_a_response_issuer_equal_to_the_assertions_or_absent_is_accepted(
    client: FlaskClient, idp: SamlIdp
) -> None:
    same = post(client, with_response_issuer(signed_alone(idp, "old-id-1"), idp.entity_id))
    absent = post(client, with_response_issuer(signed_alone(idp, "old-id-1"), None))

    assert same.status_code == 302 and absent.status_code == 302, absent.get_data(as_text=True)
    assert written(client)["members"] == [("recycled@acme.test", idp.entity_id, "old-id-1", True)]


def test_an_assertion_issued_in_the_future_is_refused_beyond_the_skew(
    client: FlaskClient, idp: SamlIdp
) -> None:
    now = datetime.now(UTC)

    future = post(client, signed_alone(idp, "f-1", issued=now + timedelta(minutes=30)))
    skewed = post(client, signed_alone(idp, "f-1", issued=now + timedelta(seconds=60)))

    page = future.get_data(as_text=True)
    assert future.status_code == 400 and "not valid yet" in page, page
    assert skewed.status_code == 302, skewed.get_data(as_text=True)
    assert written(client)["members"] == [("recycled@acme.test", idp.entity_id, "f-1", True)]
