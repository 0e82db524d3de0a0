"""An organization's language over the operator API and the console: set, read, checked."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import create, operator_header, org_body
from .test_console import csrf, enrol, invite
from .test_operator_orgs import events_of

ORG = "/api/v1/operator/orgs/acme"


def test_an_organization_is_created_in_english_unless_told(
    client: FlaskClient, operator: str
) -> None:
    english = create(client, operator, org_body())
    spanish = create(client, operator, org_body("pyme", language="es"))

    assert (english.status_code, english.json["language"]) == (201, "en")
    assert (spanish.status_code, spanish.json["language"]) == (201, "es")


def test_the_language_is_changed_and_logged(app: Flask, client: FlaskClient, operator: str) -> None:
    create(client, operator, org_body())

    response = client.patch(ORG, json={"language": "es"}, headers={"Authorization": operator})

    assert response.status_code == 200
    assert response.json["language"] == "es"
    assert client.get(ORG, headers={"Authorization": operator}).json["language"] == "es"
    assert ("organization.changed", "operator", "crm-sync") in events_of(app, "acme")


def test_an_unknown_language_is_refused_with_a_problem(client: FlaskClient, operator: str) -> None:
    create(client, operator, org_body())

    for value, status in (("fr", 422), ("ES", 422), (7, 422)):
        response = client.patch(ORG, json={"language": value}, headers={"Authorization": operator})

        assert response.status_code == status, value
        assert response.content_type == "application/problem+json"
        assert response.json["title"] == "Unprocessable Content"
        assert "language" in response.json["detail"]
    created = create(client, operator, org_body("pyme", language="de"))
    assert created.status_code == 422
    assert created.json["detail"] == '"language" must be one of en, es.'
    assert client.get(ORG, headers={"Authorization": operator}).json["language"] == "en"


def test_the_console_sets_the_language_after_asking(app: Flask) -> None:
    client = app.test_client()
    enrol(client, invite(app))
    create(client, operator_header(app), org_body())
    page = client.get("/operator/orgs/acme")
    token = csrf(page.text)

    asked = client.post(
        "/operator/orgs/acme/set-language", data={"language": "es", "csrf_token": token}
    )
    done = client.post(
        "/operator/orgs/acme/set-language",
        data={"language": "es", "confirm": "yes", "csrf_token": token},
    )
    refused = client.post(
        "/operator/orgs/acme/set-language",
        data={"language": "xx", "confirm": "yes", "csrf_token": token},
    )

    assert 'data-testid="language">English<' in page.text
    assert "Write to the people of Acme in es?" in asked.text
    assert (done.status_code, refused.status_code) == (302, 422)
    assert 'data-testid="language">Español<' in client.get("/operator/orgs/acme").text
