"""Organizations over the operator API: created once per key, listed, read and changed."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from scim_gateway.db import transaction
from seat_core import contract_of, get_organization, renew
from seat_core.models import Event, Invoice, Organization
from tests.factories import gen_member

from .conftest import create, org_body


def events_of(app, slug):
    with app.app_context(), transaction() as session:
        organization = get_organization(session, slug)
        return [
            (row.type, row.actor_type, row.actor_label)
            for row in session.scalars(
                select(Event).where(Event.organization_id == organization.id).order_by(Event.id)
            )
        ]


def test_creates_an_organization_with_its_contract(app, client, operator):
    response = create(client, operator, org_body(seats=25, min_seats=5, auto_renew=False))

    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/operator/orgs/acme")
    read = client.get("/api/v1/operator/orgs/acme", headers={"Authorization": operator}).json
    assert read["seats"] == {"purchased": 25, "in_use": 0, "free": 25, "percent_used": 0}
    assert read["price_per_seat_year"]["minor"] == 36000
    assert read["next_term"]["auto_renew"] is False
    assert read["next_term"]["min_seats"] == 5
    assert read["status"] == "active"
    assert events_of(app, "acme") == [("organization.created", "operator", "crm-sync")]


def test_replaying_the_key_returns_the_same_organization_once(app, client, operator):
    first = create(client, operator, org_body(), key="signup-42")
    again = create(client, operator, org_body(), key="signup-42")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["slug"] == first.json["slug"] == "acme"
    with app.app_context(), transaction() as session:
        assert session.query(Organization).count() == 1
    assert events_of(app, "acme") == [("organization.created", "operator", "crm-sync")]


def test_the_same_key_with_another_body_is_refused(client, operator):
    create(client, operator, org_body(), key="signup-42")

    response = create(client, operator, org_body(seats=11), key="signup-42")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "another request" in response.json["detail"]


def test_refuses_a_taken_slug_without_a_key_or_with_bad_fields(client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}

    taken = create(client, operator, org_body())
    no_key = client.post("/api/v1/operator/orgs", json=org_body("beta"), headers=headers)
    unknown = create(client, operator, org_body("beta", colour="red"))
    missing = create(client, operator, {"slug": "beta"})
    wrong_type = create(client, operator, org_body("beta", seats="ten"))
    too_many = create(client, operator, org_body("beta", seats=2**40))
    bad_price = create(client, operator, org_body("beta", price_per_seat_year="3.001"))
    bad_slug = create(client, operator, org_body("Beta Corp"))
    bad_zone = create(client, operator, org_body("beta", timezone="Mars/Olympus"))
    bad_day = create(client, operator, org_body("beta", start="2025-02-30"))
    not_json = client.post(
        "/api/v1/operator/orgs",
        data="{",
        headers={**headers, "Idempotency-Key": "k"},
        content_type="application/json",
    )

    assert taken.status_code == 409
    assert (no_key.status_code, unknown.status_code, not_json.status_code) == (400, 400, 400)
    for refused in (missing, wrong_type, too_many, bad_price, bad_slug, bad_zone, bad_day):
        assert refused.status_code == 422, refused.json
        assert refused.content_type == "application/problem+json"
    assert client.get("/api/v1/operator/orgs/beta", headers=headers).status_code == 404


def test_lists_organizations_by_cursor_filtered_by_status_and_text(app, client, operator):
    for slug in ("alpha", "bravo", "charlie", "delta"):
        create(client, operator, org_body(slug))
    create(client, operator, org_body("echo", name="Bravo Echo Ltd"))
    headers = {"Authorization": operator}

    first = client.get("/api/v1/operator/orgs?limit=2", headers=headers).json
    second = client.get(first["next"], headers=headers).json
    third = client.get(second["next"], headers=headers).json
    found = client.get("/api/v1/operator/orgs?q=BRAVO", headers=headers).json
    expired = client.get("/api/v1/operator/orgs?status=expired", headers=headers).json
    bad = client.get("/api/v1/operator/orgs?status=gone", headers=headers)
    misspelt = client.get("/api/v1/operator/orgs?limt=2", headers=headers)

    pages = [first, second, third]
    assert [[row["slug"] for row in page["organizations"]] for page in pages] == [
        ["alpha", "bravo"],
        ["charlie", "delta"],
        ["echo"],
    ]
    assert third["next"] is None
    assert [row["slug"] for row in found["organizations"]] == ["bravo", "echo"]
    assert expired["organizations"] == []
    assert (bad.status_code, misspelt.status_code) == (400, 400)


def test_rows_carry_seats_requests_forecast_term_and_invoices(app, client, operator):
    create(client, operator, org_body(seats=2))
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        gen_member(session, organization, "ann@acme.test", at=datetime.now(UTC))
        gen_member(session, organization, "bob@acme.test", at=datetime.now(UTC))
        contract = contract_of(session, organization.id)
        session.add(
            Invoice(
                number="INV-OLD",
                organization_id=organization.id,
                contract_id=contract.id,
                kind="purchase",
                term_index=0,
                issued_on=contract.term_start,
                due_on=contract.term_start,
                currency="USD",
                subtotal_minor=100,
                total_minor=100,
                seats_purchased_after=2,
                created_at=datetime.now(UTC),
            )
        )

    row = client.get("/api/v1/operator/orgs", headers={"Authorization": operator}).json[
        "organizations"
    ][0]

    assert row["seats"] == {"purchased": 2, "in_use": 2, "free": 0, "percent_used": 100}
    assert row["pending_requests"] == 0
    assert row["term"]["start"] == org_body()["start"]
    assert row["invoices"]["due"] == 1
    assert row["invoices"]["amount_due"]["minor"] == 100
    # Due on the term's first day: overdue unless today is that day.
    overdue = 1 if date.fromisoformat(row["term"]["start"]) < date.today() else 0
    assert row["invoices"]["overdue"] == overdue
    assert "runs_out_on" in row


def test_a_change_applies_the_new_price_from_the_next_term_only(app, client, operator):
    create(client, operator, org_body(seats=3))
    headers = {"Authorization": operator}

    changed = client.patch(
        "/api/v1/operator/orgs/acme",
        json={"name": "Acme Corp", "next_term": {"price_per_seat_year": "400.00", "min_seats": 4}},
        headers=headers,
    )

    assert changed.status_code == 200, changed.json
    assert changed.json["name"] == "Acme Corp"
    assert changed.json["price_per_seat_year"]["minor"] == 36000
    assert changed.json["next_term"]["price_per_seat_year"]["minor"] == 40000
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        contract = contract_of(session, organization.id)
        (invoice,) = renew(session, contract, at=datetime.now(UTC), on=contract.term_end)
        renewed = contract_of(session, organization.id)
        assert (invoice.total_minor, renewed.seats_purchased) == (4 * 40000, 4)
        assert renewed.price_per_seat_year_minor == 40000
        assert renewed.renewal_price_per_seat_year_minor is None
    types = [(kind, actor) for kind, actor, _ in events_of(app, "acme")]
    assert ("organization.changed", "operator") in types


def test_a_change_refuses_unknown_or_wrong_fields(client, operator):
    create(client, operator, org_body())
    headers = {"Authorization": operator}

    def patch(body):
        return client.patch("/api/v1/operator/orgs/acme", json=body, headers=headers)

    assert patch({"seats": 5}).status_code == 400
    assert patch({"next_term": {"seats": 5}}).status_code == 400
    assert patch({"next_term": {"min_seats": 0}}).status_code == 422
    assert patch({"next_term": {"auto_renew": "yes"}}).status_code == 422
    assert patch({"name": "  "}).status_code == 422
    assert patch({"next_term": {"price_per_seat_year": "-1"}}).status_code == 422
    assert client.get("/api/v1/operator/orgs/acme", headers=headers).json["name"] == "Acme"
