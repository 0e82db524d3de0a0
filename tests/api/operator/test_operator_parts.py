"""Per organization over the operator API: SCIM tokens, SSO, owners and invoices."""

from datetime import UTC, datetime

from sqlalchemy import select

from scim_gateway.db import transaction
from seat_core import get_organization, purchase_seats
from seat_core.models import AlertDelivery, Event, Outbox, SsoConfig

from .conftest import create, org_body

SCIM = "application/scim+json"


def actors(app, kind):
    with app.app_context(), transaction() as session:
        return [
            (row.actor_type, row.actor_label, row.subject)
            for row in session.scalars(select(Event).where(Event.type == kind).order_by(Event.id))
        ]


def test_issues_lists_and_revokes_a_scim_token_that_works_until_revoked(app, client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}

    issued = client.post(
        "/api/v1/operator/orgs/acme/scim-tokens",
        json={"label": "okta-prod", "expires_in_days": 30},
        headers=headers,
    )
    scim = {"Authorization": f"Bearer {issued.json['token']}"}
    works = client.get("/scim/v2/Users", headers=scim)
    listed = client.get("/api/v1/operator/orgs/acme/scim-tokens", headers=headers).json["tokens"]
    revoked = client.delete(
        f"/api/v1/operator/orgs/acme/scim-tokens/{issued.json['id']}", headers=headers
    )
    again = client.delete(
        f"/api/v1/operator/orgs/acme/scim-tokens/{issued.json['id']}", headers=headers
    )

    assert issued.status_code == 201
    assert issued.json["token"].startswith("scim_")
    assert works.status_code == 200
    assert [(row["id"], row["label"]) for row in listed] == [(issued.json["id"], "okta-prod")]
    assert "token" not in listed[0]
    assert (revoked.status_code, again.status_code) == (204, 404)
    assert client.get("/scim/v2/Users", headers=scim).status_code == 401
    assert [a for a, _, _ in actors(app, "token.issued")] == ["operator"]
    assert [a for a, _, _ in actors(app, "token.revoked")] == ["operator"]


def test_refuses_a_token_without_a_label_or_with_a_long_life(client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    url = "/api/v1/operator/orgs/acme/scim-tokens"

    assert client.post(url, json={}, headers=headers).status_code == 422
    assert client.post(url, json={"label": " "}, headers=headers).status_code == 422
    long_life = {"label": "x", "expires_in_days": 10_000}
    assert client.post(url, json=long_life, headers=headers).status_code == 422
    assert client.get(url, headers=headers).json["tokens"] == []


def test_sets_sso_and_never_reads_the_secret_back(app, client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    body = {
        "issuer": "https://idp.acme.test",
        "client_id": "gateway",
        "client_secret": "s3cret-value",
        "product_url": "https://app.acme.test",
        "domains": ["acme.test"],
    }

    first_without_secret = client.put(
        "/api/v1/operator/orgs/acme/sso",
        json={k: v for k, v in body.items() if k != "client_secret"},
        headers=headers,
    )
    put = client.put("/api/v1/operator/orgs/acme/sso", json=body, headers=headers)
    read = client.get("/api/v1/operator/orgs/acme/sso", headers=headers)
    bad_url = client.put(
        "/api/v1/operator/orgs/acme/sso", json={**body, "issuer": "ftp://x"}, headers=headers
    )

    assert first_without_secret.status_code == 422
    assert put.status_code == 200
    assert "s3cret-value" not in read.get_data(as_text=True)
    assert read.json["client_secret_set"] is True
    assert read.json["domains"] == ["acme.test"]
    assert bad_url.status_code == 422
    with app.app_context(), transaction() as session:
        config = session.get(SsoConfig, get_organization(session, "acme").id)
        assert config.client_secret_encrypted != "s3cret-value"
        assert config.issuer == "https://idp.acme.test"
    assert [a for a, _, _ in actors(app, "sso.configured")] == ["operator"]
    assert "s3cret-value" not in str(actors(app, "sso.configured"))


def test_invites_lists_and_removes_owners(app, client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}

    invited = client.post(
        "/api/v1/operator/orgs/acme/owners",
        json={"email": "ann@acme.test", "role": "primary_owner"},
        headers=headers,
    )
    bad_role = client.post(
        "/api/v1/operator/orgs/acme/owners",
        json={"email": "bob@acme.test", "role": "king"},
        headers=headers,
    )
    bad_email = client.post(
        "/api/v1/operator/orgs/acme/owners",
        json={"email": "not an address", "role": "owner"},
        headers=headers,
    )
    listed = client.get("/api/v1/operator/orgs/acme/owners", headers=headers).json["owners"]

    assert invited.status_code == 201
    assert (bad_role.status_code, bad_email.status_code) == (422, 422)
    assert [(o["email"], o["role"], o["password_set"]) for o in listed] == [
        ("ann@acme.test", "primary_owner", False)
    ]
    with app.app_context(), transaction() as session:
        mail = session.scalars(select(Outbox).where(Outbox.event == "owner.invitation")).one()
        deliveries = session.scalars(
            select(AlertDelivery).where(AlertDelivery.outbox_id == mail.id)
        ).all()
        assert [(d.channel, d.recipient) for d in deliveries] == [("email", "ann@acme.test")]
        assert "token=" not in str(mail.payload)  # the link is sealed, not stored in clear
    assert actors(app, "owner.invited") == [("operator", "crm-sync", "ann@acme.test")]

    last = client.delete(f"/api/v1/operator/orgs/acme/owners/{invited.json['id']}", headers=headers)
    second = client.post(
        "/api/v1/operator/orgs/acme/owners",
        json={"email": "bea@acme.test", "role": "primary_owner"},
        headers=headers,
    )
    removed = client.delete(
        f"/api/v1/operator/orgs/acme/owners/{invited.json['id']}", headers=headers
    )
    gone = client.delete(f"/api/v1/operator/orgs/acme/owners/{invited.json['id']}", headers=headers)

    # The last Primary Owner stays until another is invited: only a Primary Owner buys seats.
    assert last.status_code == 422 and "last Primary Owner" in last.json["detail"]
    assert (second.status_code, removed.status_code, gone.status_code) == (201, 204, 404)
    owners = client.get("/api/v1/operator/orgs/acme/owners", headers=headers).json["owners"]
    assert [o["email"] for o in owners] == ["bea@acme.test"]
    assert actors(app, "owner.removed") == [("operator", "crm-sync", "ann@acme.test")]


def test_lists_invoices_and_marks_them_paid_and_due(app, client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        at = datetime.now(UTC)
        purchase = purchase_seats(session, organization, seats=2, on=at.date(), at=at)
        number = purchase.invoice.number

    listed = client.get("/api/v1/operator/orgs/acme/invoices", headers=headers).json["invoices"]
    paid = client.post(
        f"/api/v1/operator/orgs/acme/invoices/{number}/paid", json={}, headers=headers
    )
    early = client.post(
        f"/api/v1/operator/orgs/acme/invoices/{number}/paid",
        json={"on": "1999-01-01"},
        headers=headers,
    )
    unknown = client.post(
        "/api/v1/operator/orgs/acme/invoices/INV-0/paid", json={}, headers=headers
    )
    row = client.get("/api/v1/operator/orgs/acme", headers=headers).json
    due = client.post(f"/api/v1/operator/orgs/acme/invoices/{number}/due", headers=headers)

    assert [(i["number"], i["paid_on"]) for i in listed] == [(number, None)]
    assert paid.status_code == 200 and paid.json["paid_on"] is not None
    assert (early.status_code, unknown.status_code) == (422, 404)
    assert row["invoices"]["due"] == 0
    assert due.status_code == 200 and due.json["paid_on"] is None
    assert client.get("/api/v1/operator/orgs/acme", headers=headers).json["invoices"]["due"] == 1
    assert [a for a, _, s in actors(app, "invoice.paid")] == ["operator"]
    assert [a for a, _, s in actors(app, "invoice.due")] == ["operator"]


def test_an_unknown_organization_is_a_problem_404_on_every_route(client, operator):
    headers = {"Authorization": operator}
    for method, path in [
        ("get", "/orgs/nope"),
        ("patch", "/orgs/nope"),
        ("get", "/orgs/nope/scim-tokens"),
        ("post", "/orgs/nope/scim-tokens"),
        ("get", "/orgs/nope/sso"),
        ("get", "/orgs/nope/owners"),
        ("get", "/orgs/nope/invoices"),
        ("post", "/orgs/nope/invoices/INV-1/due"),
    ]:
        body = {"label": "x"} if path.endswith("scim-tokens") else {}
        response = getattr(client, method)(f"/api/v1/operator{path}", json=body, headers=headers)
        assert response.status_code == 404, (method, path)
        assert response.content_type == "application/problem+json"
