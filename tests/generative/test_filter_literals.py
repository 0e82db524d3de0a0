"""Every escape JSON allows, inside the literal of a filter on every attribute, gets the same
answer on SQLite and PostgreSQL, and never a 5xx (RFC 8259 §7, RFC 7644 §3.4.2.2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st

from scim_gateway import create_app
from tests.api.scim.conftest import BASE, make_organization
from tests.conftest import TEST_CONFIG

from . import strategies as s
from .checks import bounded, check_scim_response, send

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SEAT = "urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User"
USER_ATTRIBUTES = [
    "id",
    "userName",
    "externalId",
    "displayName",
    "title",
    "active",
    f"{SEAT}:holdsSeat",
    "meta.created",
    "meta.lastModified",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "emails.display",
]
GROUP_ATTRIBUTES = [
    "id",
    "displayName",
    "externalId",
    "meta.created",
    "meta.lastModified",
    "members",
    "members.value",
]
# Attributes holding ids, which differ between the two databases' copies of the users.
ID_VALUED = {"id", "members", "members.value"}
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
# RFC 8259 §7: the two-character escapes, and \u with four hex digits of either case.
SHORT_ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]


@st.composite
def unicode_escapes(draw: st.DrawFn) -> str:
    """Return a \\uXXXX escape: any code unit, lone surrogates, NUL and C1 included."""
    unit = draw(
        st.one_of(
            st.integers(0, 0xFFFF),
            st.integers(0xD800, 0xDFFF),
            st.integers(0x80, 0x9F),
            st.sampled_from([0, 0x7F, 0x85, 0x2028, 0xFEFF, 0xFFFF]),
        )
    )
    digits = f"{unit:04x}"
    upper = draw(st.lists(st.booleans(), min_size=4, max_size=4))
    return "\\u" + "".join(d.upper() if up else d for d, up in zip(digits, upper, strict=True))


@st.composite
def surrogate_pairs(draw: st.DrawFn) -> str:
    """Return a valid pair of escapes that spells one character past U+FFFF."""
    code = draw(st.integers(0x10000, 0x10FFFF))
    high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
    return f"\\u{high:04x}\\u{low:04x}"


literal_pieces = st.one_of(
    st.sampled_from(SHORT_ESCAPES),
    unicode_escapes(),
    surrogate_pairs(),
    st.sampled_from(["ann", "a", "@", "acme", "work", "Ann Lee", "E-1", "é", "%", "_"]),
)
literals = st.lists(literal_pieces, min_size=1, max_size=4).map(lambda pieces: "".join(pieces))


@dataclass
class Gateway:
    """The same organization on one database."""

    app: Flask
    token: str

    def ask(self, method: str, path: str, **options: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if "json" in options:
            headers["Content-Type"] = "application/scim+json"
            options["data"] = json.dumps(options.pop("json"))
        response = send(self.app.test_client(), method, BASE + path, headers=headers, **options)
        check_scim_response(response)
        return seen(response.status_code, response.json)


def seen(status: int, body: Any) -> Any:
    """Return what a client learns from an answer, without the ids and times of this run."""
    if status != 200:
        return status, body.get("scimType"), body.get("detail")
    names = sorted(
        resource.get("userName") or resource.get("displayName", "")
        for resource in body.get("Resources", [])
    )
    return status, body["totalResults"], names


def populate(database_url: str) -> Gateway:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    gateway = Gateway(app, make_organization(app, "acme", 6))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {gateway.token}", "Content-Type": "application/scim+json"}
    users = [
        {
            "userName": "ann",
            "displayName": "Ann Lee",
            "externalId": "E-1",
            "title": "cto",
            "emails": [{"value": "ann@acme.test", "type": "work", "primary": True}],
        },
        {
            "userName": "bob \u00e9",
            "displayName": "b\u2028",
            "active": False,
            "emails": [{"value": "bob@x.test", "type": "home", "display": '"/\\'}],
        },
        {"userName": "c\U0001f600", "externalId": "%_\\"},
    ]
    ids = []
    for user in users:
        body = {"schemas": [s.USER_SCHEMA], **user}
        response = client.post(f"{BASE}/Users", data=json.dumps(body), headers=headers)
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    group = {
        "schemas": [s.GROUP_SCHEMA],
        "displayName": "Acme \u00e9",
        "externalId": "g/1",
        "members": [{"value": ids[0]}],
    }
    assert client.post(f"{BASE}/Groups", data=json.dumps(group), headers=headers).status_code == 201
    return gateway


@pytest.fixture(scope="module")
def gateways(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Any, postgres_url_session: str
) -> Iterator[tuple[Gateway, Gateway]]:
    """Acme, with the same users and group, on SQLite and on PostgreSQL."""
    from tests.databases import fresh_sqlite, truncate_all

    truncate_all(postgres_url_session)
    pair = (
        populate(fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("literals"))),
        populate(postgres_url_session),
    )
    yield pair
    for gateway in pair:
        gateway.app.extensions["db"].dispose()


@pytest.mark.postgres
@bounded(300)
@given(
    resource=st.sampled_from(["Users", "Groups", ".search"]),
    index=st.integers(0, len(USER_ATTRIBUTES) - 1),
    op=st.sampled_from(OPERATORS),
    literal=literals,
    inside=st.booleans(),
)
@example(resource="Users", index=1, op="eq", literal="\\ud800", inside=False)
@example(resource="Users", index=1, op="eq", literal="\\u0000", inside=False)
@example(resource="Users", index=1, op="eq", literal="\\u0085", inside=False)
@example(resource="Groups", index=1, op="eq", literal="\\uDFFF", inside=False)
@example(resource=".search", index=3, op="co", literal="\\ud83d\\ude00", inside=True)
def test_escaped_filter_literals_get_the_same_answer_on_both_databases(
    gateways: tuple[Gateway, Gateway],
    resource: str,
    index: int,
    op: str,
    literal: str,
    inside: bool,
) -> None:
    names = GROUP_ATTRIBUTES if resource == "Groups" else USER_ATTRIBUTES
    attribute = names[index % len(names)]
    comparison = f'{attribute} {op} "{literal}"'
    if inside and attribute.startswith("emails."):
        # The same literal inside a value filter: emails[type eq "..."].
        comparison = f'emails[{attribute.removeprefix("emails.")} {op} "{literal}"]'
    text = f"{comparison} or userName pr" if resource != "Groups" and inside else comparison

    if resource == ".search":
        answers = [
            gateway.ask("POST", "/.search", json={"schemas": [SEARCH_SCHEMA], "filter": text})
            for gateway in gateways
        ]
    else:
        answers = [
            gateway.ask("GET", f"/{resource}?filter={quote(text, safe='')}") for gateway in gateways
        ]

    if attribute in ID_VALUED and answers[0][0] == 200:
        # Ids are drawn at random on each database: "id gt x" may match different users.
        answers = [answer[:1] for answer in answers]
    assert answers[0] == answers[1], text
