"""A member the IdP deactivated over SCIM stays inactive: SSO and the sign-in hook refuse it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from seat_core import deactivate_member, get_organization
from seat_core.models import Member, Outbox, Seat, SeatRequest
from tests.api.scim.conftest import Scim, make_organization
from tests.api.sso import test_saml_issuer
from tests.api.sso.cli import Run
from tests.support.saml_idp import SamlIdp

HOOK = "/api/v1/orgs/acme/sign-ins"
ISSUER = "https://idp.example"
DEACTIVATE = [{"op": "replace", "path": "active", "value": False}]
# Entra ID sends booleans as strings, and capitalizes its op names.
ENTRA_DEACTIVATE = [{"op": "Replace", "path": "active", "value": "False"}]


@pytest.fixture
def scim(app: Flask) -> Scim:
    return Scim(app, app.test_client(), make_organization(app, "acme", 3), "acme")


@pytest.fixture
def api_token(app: Flask, scim: Scim) -> str:
    with app.app_context(), transaction() as session:
        _, secret = issue_token(
            session, get_organization(session, "acme"), kind="api", at=datetime.now(UTC)
        )
    return secret


def hook(client: FlaskClient, token: str, login: str) -> Any:
    return client.post(
        HOOK,
        data=f'{{"issuer": "{ISSUER}", "sub": "sub-{login}", "email": "{login}"}}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def state(app: Flask) -> dict[str, Any]:
    with app.app_context(), transaction() as session:
        return {
            "members": sorted(session.execute(select(Member.user_name, Member.active)).all()),
            "seats": session.scalar(select(func.count()).select_from(Seat)),
            "requests": session.scalar(select(func.count()).select_from(SeatRequest)),
            "refusals": session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.event == "seat.refused")
            ),
        }


@pytest.mark.parametrize("operations", [DEACTIVATE, ENTRA_DEACTIVATE], ids=["json", "entra"])
def test_the_sign_in_hook_refuses_a_member_scim_deactivated_and_records_no_request(
    app: Flask, scim: Scim, api_token: str, operations: list[dict[str, Any]]
) -> None:
    created = scim.create_user("ann@acme.test", emails=[{"value": "ann@acme.test"}])
    patched = scim.patch(f"/Users/{created['id']}", operations)

    answer = hook(app.test_client(), api_token, "ann@acme.test")

    assert patched.status_code == 200 and patched.json["active"] is False
    assert answer.status_code == 403 and answer.content_type == "application/problem+json"
    assert answer.json["reason"] == "deactivated_by_idp"
    assert "identity provider deactivated" in answer.json["detail"]
    assert answer.json["seat_request_id"] is None
    assert state(app) == {
        "members": [("ann@acme.test", False)],
        "seats": 0,
        "requests": 0,
        "refusals": 0,
    }
    assert scim.get(f"/Users/{created['id']}").json["active"] is False


def test_a_member_the_idp_reactivates_signs_in_again(
    app: Flask, scim: Scim, api_token: str
) -> None:
    created = scim.create_user("bea@acme.test", emails=[{"value": "bea@acme.test"}])
    scim.patch(f"/Users/{created['id']}", DEACTIVATE)
    scim.patch(f"/Users/{created['id']}", [{"op": "replace", "path": "active", "value": True}])

    answer = hook(app.test_client(), api_token, "bea@acme.test")

    assert answer.status_code == 200, answer.json
    assert answer.json["seat"] == {"held": True, "taken_now": False}
    assert state(app)["members"] == [("bea@acme.test", True)]


def test_a_member_created_inactive_over_scim_is_refused_too(
    app: Flask, scim: Scim, api_token: str
) -> None:
    scim.create_user("cy@acme.test", emails=[{"value": "cy@acme.test"}], active=False)

    answer = hook(app.test_client(), api_token, "cy@acme.test")

    assert answer.status_code == 403 and answer.json["reason"] == "deactivated_by_idp"
    assert state(app)["seats"] == 0


def test_a_jit_member_an_owner_unassigned_signs_in_and_takes_a_seat_as_before(
    app: Flask, scim: Scim, api_token: str
) -> None:
    first = hook(app.test_client(), api_token, "dee@acme.test")
    with app.app_context(), transaction() as session:
        member = session.scalars(select(Member)).one()
        assert deactivate_member(session, member, at=datetime.now(UTC))

    again = hook(app.test_client(), api_token, "dee@acme.test")

    assert first.status_code == 200 and first.json["created"] is True
    assert again.status_code == 200 and again.json["seat"]["taken_now"] is True
    assert state(app)["members"] == [("dee@acme.test", True)]


def test_a_scim_member_an_owner_unassigned_signs_in_as_before(
    app: Flask, scim: Scim, api_token: str
) -> None:
    scim.create_user("eve@acme.test", emails=[{"value": "eve@acme.test"}])
    with app.app_context(), transaction() as session:
        member = session.scalars(select(Member)).one()
        assert deactivate_member(session, member, at=datetime.now(UTC))

    answer = hook(app.test_client(), api_token, "eve@acme.test")

    # The IdP's last word is still "active": the owner freed the seat, not the IdP.
    assert answer.status_code == 200 and answer.json["seat"]["taken_now"] is True


# The SAML set-up of test_saml_issuer: an IdP that signs only the Assertion, as Entra does.
idp, metadata_file, run, app_of, saml_client = (
    test_saml_issuer.idp,
    test_saml_issuer.metadata_file,
    test_saml_issuer.run,
    test_saml_issuer.app_of,
    test_saml_issuer.client,
)


def test_saml_sign_in_of_a_member_scim_deactivated_is_a_page_that_says_so(
    saml_client: FlaskClient, run: Run, idp: SamlIdp
) -> None:
    app = saml_client.application
    code, output = run("token", "issue", "--org", "acme", "--label", "entra", "--json")
    assert code == 0, output
    scim = Scim(app, app.test_client(), json.loads(output)["token"], "acme")
    created = scim.create_user(
        "recycled@acme.test", emails=[{"value": "recycled@acme.test"}], externalId="e-1"
    )
    scim.patch(f"/Users/{created['id']}", ENTRA_DEACTIVATE)

    answer = test_saml_issuer.post(saml_client, test_saml_issuer.signed_alone(idp, "n-1"))

    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "identity provider deactivated" in page
    assert "Request a seat" not in page
    assert state(app) == {
        "members": [("recycled@acme.test", False)],
        "seats": 0,
        "requests": 0,
        "refusals": 0,
    }
    with app.app_context(), transaction() as session:
        member = session.scalars(select(Member)).one()
        assert (member.sso_issuer, member.sso_subject) == (None, None)
