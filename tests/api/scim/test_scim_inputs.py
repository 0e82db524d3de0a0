"""SCIM refuses malformed input with a SCIM Error, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from .conftest import USER_SCHEMA, Scim
from .test_protocol import assert_scim_error

JSON = {"Content-Type": "application/scim+json"}


def post_raw(scim: Scim, path: str, text: str | bytes) -> object:
    return scim.request("POST", path, data=text, headers=JSON)


def user_names(scim: Scim) -> list[str]:
    listing = scim.get("/Users").json
    return [resource["userName"] for resource in listing["Resources"]]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not valid JSON"),
        ("[" * 10_000 + "]" * 10_000, "64 levels deep"),
        (f'{{"schemas": ["{USER_SCHEMA}"], "userName": "a", "userName": "b"}}', "'userName'"),
        (b'{"userName": "\xff"}', "not UTF-8"),
    ],
    ids=["invalid", "deep", "duplicate-key", "not-utf8"],
)
def test_a_body_that_is_not_strict_json_is_refused_as_invalid_syntax(
    scim: Scim, text: str, says: str
) -> None:
    response = post_raw(scim, "/Users", text)

    body = assert_scim_error(response, 400, "invalidSyntax")
    assert says in body["detail"]
    assert user_names(scim) == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('"ann\\u0000lee"', "U+0000"),
        ('"ann\\ud800"', "U+D800"),
        ('"ann\\u0085"', "U+0085"),
    ],
    ids=["nul", "lone-surrogate", "c1-control"],
)
def test_a_string_with_a_refused_character_is_refused_as_invalid_value(
    scim: Scim, value: str, says: str
) -> None:
    text = f'{{"schemas": ["{USER_SCHEMA}"], "userName": {value}}}'

    response = post_raw(scim, "/Users", text)

    body = assert_scim_error(response, 400, "invalidValue")
    assert says in body["detail"] and "userName" in body["detail"]
    assert user_names(scim) == []


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "1e999", "9223372036854775808", "-9223372036854775809"]
)
def test_a_number_out_of_range_is_refused_as_invalid_value(scim: Scim, number: str) -> None:
    text = f'{{"schemas": ["{USER_SCHEMA}"], "userName": "ann", "x": {number}}}'

    response = post_raw(scim, "/Users", text)

    assert_scim_error(response, 400, "invalidValue")
    assert user_names(scim) == []


def test_a_search_body_is_read_by_the_same_strict_decoder(scim: Scim) -> None:
    response = post_raw(scim, "/Users/.search", '{"count": 1, "count": 2}')

    assert_scim_error(response, 400, "invalidSyntax")


def test_a_patch_with_a_refused_character_leaves_the_user_unchanged(scim: Scim) -> None:
    created = scim.create_user("ann")
    text = (
        '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": '
        '[{"op": "replace", "path": "displayName", "value": "A\\u0000"}]}'
    )

    response = scim.request("PATCH", f"/Users/{created['id']}", data=text, headers=JSON)

    assert_scim_error(response, 400, "invalidValue")
    assert "displayName" not in scim.get(f"/Users/{created['id']}").json


@pytest.mark.parametrize(
    "path",
    [
        "/Users/abc%00def",
        "/Users/abc%C2%85",
        '/Users?filter=userName eq "a%00b"',
        "/Users?attributes=userName%00",
        "/Groups/x%01y",
    ],
    ids=["nul-id", "c1-id", "nul-filter", "nul-attributes", "control-group"],
)
def test_a_refused_character_in_the_url_gets_a_scim_400(scim: Scim, path: str) -> None:
    response = scim.get(path)

    body = assert_scim_error(response, 400)
    assert body["scimType"] in {"invalidValue", "invalidSyntax"}


@pytest.mark.parametrize("raw", [b"abc\xff\xfe", b"abc\xed\xa0\x80"], ids=["ff", "surrogate"])
def test_a_path_that_is_not_utf8_gets_a_scim_400(scim: Scim, raw: bytes) -> None:
    # The test client re-encodes a percent-escaped path, so give the server's raw bytes
    # (WSGI carries them as latin-1) as gunicorn would.
    path = "/scim/v2/Users/" + raw.decode("latin-1")

    response = scim.get("/Users/x", environ_overrides={"PATH_INFO": path})

    body = assert_scim_error(response, 400, "invalidSyntax")
    assert "UTF-8" in body["detail"]


def test_a_query_string_that_is_not_utf8_gets_a_scim_400(scim: Scim) -> None:
    response = scim.get("/Users?filter=userName%20eq%20%22%ff%22")

    body = assert_scim_error(response, 400, "invalidSyntax")
    assert "query string" in body["detail"]


def test_a_refused_character_in_a_delete_leaves_the_users_in_place(scim: Scim) -> None:
    scim.create_user("ann")

    response = scim.delete("/Users/x%00")

    assert_scim_error(response, 400, "invalidValue")
    assert user_names(scim) == ["ann"]


@pytest.mark.parametrize(
    "query",
    [
        "startIndex=99999999999999999999999",
        "startIndex=99999999999999999999999&count=99999999999999999999999",
        "startIndex=9223372036854775807&count=5",
    ],
)
def test_a_start_index_past_any_table_gets_an_empty_page(scim: Scim, query: str) -> None:
    scim.create_user("ann")

    response = scim.get(f"/Users?{query}")

    assert response.status_code == 200, response.json
    assert response.json["totalResults"] == 1
    assert response.json.get("Resources", []) == []


def test_counts_and_start_indexes_are_clamped_as_rfc_7644_says(scim: Scim) -> None:
    for name in ("ann", "bob", "cy"):
        scim.create_user(name)

    low = scim.get("/Users?startIndex=-5&count=-1").json
    high = scim.get("/Users?count=99999999999999999999999").json

    assert (low["startIndex"], low["itemsPerPage"], low["totalResults"]) == (1, 0, 3)
    assert (high["itemsPerPage"], high["totalResults"]) == (3, 3)


def test_a_search_body_with_an_oversized_start_index_gets_an_empty_page(scim: Scim) -> None:
    scim.create_user("ann")

    response = scim.post("/Users/.search", {"startIndex": 2**63 - 1, "count": 2**63 - 1})

    assert response.status_code == 200, response.json
    assert response.json["totalResults"] == 1 and response.json.get("Resources", []) == []


def test_an_over_long_url_gets_a_scim_414(scim: Scim) -> None:
    response = scim.get("/Users?attributes=" + "userName," * 1000)

    body = assert_scim_error(response, 414)
    assert "8000" in body["detail"]
