"""Filter literals, paging numbers and booleans are read strictly, the same on both databases."""

from __future__ import annotations

import pytest

from .conftest import GROUP_SCHEMA, USER_SCHEMA, Scim
from .test_protocol import assert_scim_error

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def user_names(scim: Scim) -> list[str]:
    listing = scim.get("/Users", query_string={"count": "100"}).json
    return sorted(resource["userName"] for resource in listing.get("Resources", []))


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000", "\\u0085", "\\u001b"])
@pytest.mark.parametrize(
    "attribute", ["userName", "externalId", "displayName", "emails.value", "title"]
)
def test_a_filter_literal_that_decodes_to_a_refused_character_is_an_invalid_filter(
    scim: Scim, escape: str, attribute: str
) -> None:
    scim.create_user("ann")
    code_point = escape[2:].upper()

    encoded = escape.replace("\\", "%5C")
    query = f"filter={attribute}%20eq%20%22a{encoded}%22"
    listed = scim.get(f"/Users?{query}")
    searched = scim.post(
        "/Users/.search",
        {"schemas": [SEARCH_SCHEMA], "filter": f'{attribute} eq "a{escape}"'},
    )
    everywhere = scim.post(
        "/.search", {"schemas": [SEARCH_SCHEMA], "filter": f'{attribute} eq "a{escape}"'}
    )

    for response in (listed, searched, everywhere):
        body = assert_scim_error(response, 400, "invalidFilter")
        assert f"U+{code_point}" in body["detail"] and attribute in body["detail"]


def test_a_group_filter_literal_with_a_lone_surrogate_is_an_invalid_filter(scim: Scim) -> None:
    response = scim.get("/Groups?filter=displayName%20eq%20%22%5Cud800%22")

    assert "U+D800" in assert_scim_error(response, 400, "invalidFilter")["detail"]


def test_a_filter_literal_with_a_pair_of_surrogate_escapes_is_the_character_it_spells(
    scim: Scim,
) -> None:
    scim.create_user("smile\U0001f600")

    response = scim.get("/Users?filter=userName%20eq%20%22smile%5Cud83d%5Cude00%22")

    assert response.status_code == 200
    assert [u["userName"] for u in response.json["Resources"]] == ["smile\U0001f600"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("filter=meta.created%20gt%205", "dateTime"),
        ("filter=meta.lastModified%20lt%20true", "lastModified"),
        ("filter=active%20eq%20%22true%22", "boolean"),
        ("filter=active%20eq%201", "boolean"),
        ("filter=emails.primary%20eq%20%22x%22", "emails.primary"),
        ("filter=emails%5Bprimary%20eq%200%5D", "boolean"),
        ("filter=userName%20eq%201", "userName"),
        ("filter=emails%20co%205", "emails"),
        ("filter=displayName%20eq%20false", "displayName"),
    ],
)
def test_comparing_an_attribute_with_a_value_of_another_type_is_an_invalid_filter(
    scim: Scim, query: str, says: str
) -> None:
    scim.create_user("ann")

    response = scim.get(f"/Users?{query}")

    assert says in assert_scim_error(response, 400, "invalidFilter")["detail"]


def test_a_datetime_compared_with_a_datetime_still_filters(scim: Scim) -> None:
    scim.create_user("ann")

    after = scim.get("/Users?filter=meta.created%20gt%20%222000-01-01T00:00:00Z%22")
    before = scim.get("/Users?filter=meta.created%20lt%20%222000-01-01T00:00:00Z%22")

    assert (after.json["totalResults"], before.json["totalResults"]) == (1, 0)


@pytest.mark.parametrize(
    "parameter", ["count=1_000", "startIndex=1_0", "count=%201", "count=%D9%A3"]
)
def test_a_paging_number_that_is_not_ascii_digits_is_refused(scim: Scim, parameter: str) -> None:
    response = scim.get(f"/Users?{parameter}")

    assert "digits" in assert_scim_error(response, 400, "invalidValue")["detail"]


def test_a_start_index_of_five_thousand_digits_is_clamped_to_an_empty_page(scim: Scim) -> None:
    scim.create_user("ann")

    response = scim.get("/Users?startIndex=" + "9" * 5000)
    huge_count = scim.get("/Users?count=" + "9" * 5000)
    negative = scim.get("/Users?count=-" + "9" * 5000)
    zeros = scim.get("/Users?startIndex=" + "0" * 5000 + "1")

    assert response.status_code == 200
    assert response.json["totalResults"] == 1 and response.json.get("Resources", []) == []
    assert response.json["startIndex"] == 2**62
    assert [u["userName"] for u in huge_count.json["Resources"]] == ["ann"]
    assert negative.status_code == 200 and negative.json.get("Resources", []) == []
    assert [u["userName"] for u in zeros.json["Resources"]] == ["ann"]


@pytest.mark.parametrize("value", ['"yes"', "1", "0", '"1"', '"on"', '""', "[]"])
def test_active_other_than_a_boolean_is_refused_and_takes_no_seat(scim: Scim, value: str) -> None:
    text = f'{{"schemas": ["{USER_SCHEMA}"], "userName": "ann", "active": {value}}}'

    response = scim.request(
        "POST", "/Users", data=text, headers={"Content-Type": "application/scim+json"}
    )

    assert "active" in assert_scim_error(response, 400, "invalidValue")["detail"]
    assert user_names(scim) == []


@pytest.mark.parametrize(
    ("value", "active"), [('"True"', True), ('"False"', False), ("true", True)]
)
def test_active_takes_json_booleans_and_the_strings_entra_sends(
    scim: Scim, value: str, active: bool
) -> None:
    text = f'{{"schemas": ["{USER_SCHEMA}"], "userName": "ann", "active": {value}}}'

    response = scim.request(
        "POST", "/Users", data=text, headers={"Content-Type": "application/scim+json"}
    )

    assert response.status_code == 201
    assert scim.get(f"/Users/{response.json['id']}").json["active"] is active


def test_patching_active_to_yes_is_refused_and_keeps_the_user_inactive(scim: Scim) -> None:
    ann = scim.create_user("ann", active=False)

    response = scim.patch(
        f"/Users/{ann['id']}", [{"op": "replace", "path": "active", "value": "yes"}]
    )
    whole = scim.patch(f"/Users/{ann['id']}", [{"op": "replace", "value": {"active": 1}}])

    assert_scim_error(response, 400, "invalidValue")
    assert_scim_error(whole, 400, "invalidValue")
    assert scim.get(f"/Users/{ann['id']}").json["active"] is False


def test_adding_a_group_member_without_a_value_is_an_invalid_value(scim: Scim) -> None:
    ann = scim.create_user("ann")
    group = scim.post(
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"value": ann["id"]}]},
    ).json

    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"display": "Bob"}]}],
    )

    assert "value" in assert_scim_error(response, 400, "invalidValue")["detail"]
    members = scim.get(f"/Groups/{group['id']}").json["members"]
    assert [member["value"] for member in members] == [ann["id"]]
    assert scim.get(f"/Groups/{group['id']}").json["meta"]["version"] == group["meta"]["version"]


@pytest.mark.parametrize("path", ["/scim/v2", "/scim/v2/", "/scim/v2//Users", "/scim/v2/Users//"])
def test_the_scim_root_and_doubled_slashes_answer_scim_json_not_a_redirect(
    scim: Scim, path: str
) -> None:
    response = scim.client.get(path, headers={"Authorization": f"Bearer {scim.token}"})

    assert_scim_error(response, 404)


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\u0085"])
def test_a_patch_path_filter_with_a_refused_character_stores_nothing(
    scim: Scim, escape: str
) -> None:
    ann = scim.create_user("ann", emails=[{"value": "ann@acme.test", "type": "work"}])
    path = f'emails[type eq "{escape}"].value'

    response = scim.patch(
        f"/Users/{ann['id']}", [{"op": "replace", "path": path, "value": "x@acme.test"}]
    )

    assert f"U+{escape[2:].upper()}" in assert_scim_error(response, 400, "invalidFilter")["detail"]
    assert scim.get(f"/Users/{ann['id']}").json["emails"] == ann["emails"]


@pytest.mark.parametrize(
    "path", ["emails[primary eq 1].value", 'emails[primary eq "true"].value', "emails[type eq 5]"]
)
def test_a_patch_path_filter_comparing_with_another_type_changes_nothing(
    scim: Scim, path: str
) -> None:
    ann = scim.create_user("ann", emails=[{"value": "ann@acme.test", "primary": True}])

    response = scim.patch(
        f"/Users/{ann['id']}", [{"op": "replace", "path": path, "value": "x@acme.test"}]
    )

    assert_scim_error(response, 400, "invalidFilter")
    assert scim.get(f"/Users/{ann['id']}").json["emails"] == ann["emails"]
