"""The owners' JSON API: tokens and roles, quotes, purchases with Idempotency-Key, lists."""

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from scim_gateway.db import transaction
from seat_core import (
    get_organization,
    identity_key,
    quote_purchase,
    record_refusal,
    set_tax_rate,
)
from seat_core.models import IdempotencyKey, Invoice

from .conftest import auth, create_org

SEATS = "/api/v1/orgs/acme/seats"
QUOTE = "/api/v1/orgs/acme/seats/quote"
PURCHASES = "/api/v1/orgs/acme/seats/purchases"


def invoices_of(app):
    with app.app_context(), transaction() as session:
        return session.scalar(select(func.count()).select_from(Invoice))


def buy(client, token, seats=5, key="key-1"):
    return client.post(
        PURCHASES, json={"seats": seats}, headers=auth(token, **{"Idempotency-Key": key})
    )


def test_without_a_token_the_api_answers_401_with_a_problem(client, tokens):
    response = client.get(SEATS)

    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_another_organization_gets_404(client, app, tokens):
    beta = create_org(app, "beta")

    response = client.get(SEATS, headers=auth(beta["primary"]))

    assert response.status_code == 404


def test_tokens_without_an_owner_cannot_read_billing(client, tokens):
    product = client.get(SEATS, headers=auth(tokens["product"]))
    scim = client.get(SEATS, headers=auth(tokens["scim"]))

    assert product.status_code == 403 and "owner's API token" in product.json["detail"]
    assert scim.status_code == 401


def test_an_owner_reads_seats_invoices_and_requests(client, tokens):
    headers = auth(tokens["owner"])

    seats = client.get(SEATS, headers=headers)
    invoices = client.get("/api/v1/orgs/acme/invoices", headers=headers)
    requests = client.get("/api/v1/orgs/acme/seat-requests", headers=headers)

    assert seats.status_code == 200 and seats.json["seats_purchased"] == 10
    assert seats.json["seats_free"] == 10 and seats.json["renewal"]["seats"] == 1
    assert invoices.json == {"invoices": [], "next": None}
    assert requests.json == {"seat_requests": [], "next": None}


def test_an_owner_cannot_buy_seats(client, app, tokens):
    response = buy(client, tokens["owner"])

    assert response.status_code == 403 and "Primary Owner" in response.json["detail"]
    assert invoices_of(app) == 0


def test_the_quote_is_the_core_quote_for_today(client, app, tokens):
    response = client.post(QUOTE, json={"seats": 5}, headers=auth(tokens["owner"]))

    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        quote = quote_purchase(session, organization, seats=5, on=datetime.now(UTC).date())
    assert response.status_code == 200
    assert response.json["amount"]["minor"] == quote.amount_minor
    assert response.json["seats_purchased_after"] == 15
    assert invoices_of(app) == 0


def test_a_primary_owner_buys_seats_and_gets_the_invoice(client, app, tokens):
    quote = client.post(QUOTE, json={"seats": 5}, headers=auth(tokens["primary"])).json

    response = buy(client, tokens["primary"])

    assert response.status_code == 201
    assert response.json["total"] == quote["amount"]
    assert response.json["seats_purchased_after"] == 15
    assert response.headers["Location"] == f"/api/v1/orgs/acme/invoices/{response.json['number']}"
    assert "Idempotent-Replayed" not in response.headers
    fetched = client.get(response.headers["Location"], headers=auth(tokens["owner"]))
    assert fetched.json == response.json


def test_the_same_key_and_body_replays_the_same_invoice(client, app, tokens):
    first = buy(client, tokens["primary"])

    again = buy(client, tokens["primary"])

    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert invoices_of(app) == 1


def test_a_quoted_structured_field_key_is_the_same_key(client, app, tokens):
    buy(client, tokens["primary"], key="abc")

    again = buy(client, tokens["primary"], key='"abc"')

    assert again.headers["Idempotent-Replayed"] == "true"
    assert invoices_of(app) == 1


def test_the_same_key_with_another_body_is_refused_with_422(client, app, tokens):
    buy(client, tokens["primary"], seats=5)

    response = buy(client, tokens["primary"], seats=6)

    assert response.status_code == 422 and "different purchase" in response.json["detail"]
    assert invoices_of(app) == 1


def test_a_missing_key_is_refused_with_400(client, app, tokens):
    response = client.post(PURCHASES, json={"seats": 1}, headers=auth(tokens["primary"]))

    assert response.status_code == 400 and "Idempotency-Key" in response.json["detail"]
    assert invoices_of(app) == 0


def test_a_key_still_in_flight_gets_409(client, app, tokens):
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        from seat_core.billing import request_hash

        session.add(
            IdempotencyKey(
                organization_id=organization.id,
                key="api:busy",
                request_hash=request_hash(2),
                created_at=datetime.now(UTC),
            )
        )

    response = buy(client, tokens["primary"], seats=2, key="busy")

    assert response.status_code == 409 and "still being processed" in response.json["detail"]


def test_two_concurrent_purchases_with_one_key_issue_one_invoice(app, tokens):
    barrier = threading.Barrier(2)
    results = []

    def purchase():
        client = app.test_client()
        barrier.wait()
        results.append(buy(client, tokens["primary"], seats=3, key="race"))

    threads = [threading.Thread(target=purchase) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in results] == [201, 201]
    assert results[0].json == results[1].json
    assert sorted(r.headers.get("Idempotent-Replayed", "no") for r in results) == ["no", "true"]
    assert invoices_of(app) == 1
    seats = app.test_client().get(SEATS, headers=auth(tokens["owner"])).json
    assert seats["seats_purchased"] == 13


def test_bad_quantities_are_refused_and_buy_nothing(client, app, tokens):
    cases = [
        ({"seats": 0}, 422),
        ({"seats": -3}, 422),
        ({"seats": 1.5}, 422),
        ({"seats": "5"}, 422),
        ({"seats": True}, 422),
        ({"seats": None}, 422),
        ({"seats": 10_001}, 422),
        ({}, 422),
        ({"seats": 1, "price": 0}, 400),
        ([5], 400),
    ]
    for index, (body, status) in enumerate(cases):
        headers = auth(tokens["primary"], **{"Idempotency-Key": f"bad-{index}"})

        response = client.post(PURCHASES, json=body, headers=headers)
        quote = client.post(QUOTE, json=body, headers=auth(tokens["primary"]))

        assert (response.status_code, quote.status_code) == (status, status), body
        assert response.content_type == "application/problem+json"
    assert (
        client.post(
            PURCHASES,
            data="{",
            headers=auth(
                tokens["primary"], **{"Idempotency-Key": "x", "Content-Type": "application/json"}
            ),
        ).status_code
        == 400
    )
    assert invoices_of(app) == 0


def test_invoices_page_newest_first(client, tokens):
    numbers = [
        buy(client, tokens["primary"], seats=1, key=f"k{i}").json["number"] for i in range(3)
    ]

    first = client.get("/api/v1/orgs/acme/invoices?limit=2", headers=auth(tokens["owner"])).json
    rest = client.get(first["next"], headers=auth(tokens["owner"])).json

    assert [i["number"] for i in first["invoices"]] == numbers[::-1][:2]
    assert [i["number"] for i in rest["invoices"]] == numbers[:1] and rest["next"] is None


def test_seat_requests_are_listed_with_attempts(client, app, tokens):
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        for _ in range(2):
            record_refusal(
                session,
                organization,
                channel="scim",
                identity="zoe@acme.test",
                identity_key=identity_key("zoe@acme.test"),
                at=datetime.now(UTC),
            )

    listing = client.get("/api/v1/orgs/acme/seat-requests", headers=auth(tokens["owner"])).json

    (row,) = listing["seat_requests"]
    assert (row["identity"], row["channel"], row["attempts"]) == ("zoe@acme.test", "scim", 2)


def test_the_quote_shows_the_organizations_tax_and_the_invoice_total(client, app, tokens):
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        set_tax_rate(session, organization, rate_bp=825)
        expected = quote_purchase(session, organization, seats=5, on=datetime.now(UTC).date())

    quote = client.post(QUOTE, json={"seats": 5}, headers=auth(tokens["owner"])).json
    bought = buy(client, tokens["primary"]).json

    assert quote["tax_rate_bp"] == 825
    assert quote["tax"]["minor"] == expected.tax_minor > 0
    assert quote["total"]["minor"] == expected.amount_minor + expected.tax_minor
    assert bought["total"] == quote["total"]
