"""The projection of a User read is scim2-models' own dump, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from scim2_models import Context, ListResponse, ResponseParameters, SCIMException, SearchRequest

from scim_gateway.scim.policy import POLICY
from scim_gateway.scim.projection import list_payload, shown_user
from scim_gateway.scim.queries import parametrized
from scim_gateway.scim.resources import (
    SEAT_SCHEMA,
    UserResource,
    echo_seat_extension,
    extension_field,
    user_resource,
    written_user,
)
from scim_gateway.scim.storage import write_user
from seat_core import new_member
from seat_core.models import ScimGroup
from tests.generative.checks import bounded
from tests.generative.strategies import ENTERPRISE, USER_SCHEMA, user_bodies

BASE = "https://idp.example/scim/v2"
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
words = st.text("abcXYZ -é", min_size=1, max_size=8)
when = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
) | st.just(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def multi(**fields: Any) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Build a multi-valued attribute's entries, any of their sub-attributes present."""
    return st.lists(st.fixed_dictionaries({}, optional=fields), max_size=3)


well_formed = st.fixed_dictionaries(
    {
        "schemas": st.sampled_from(
            [[USER_SCHEMA], [USER_SCHEMA, ENTERPRISE], [USER_SCHEMA, SEAT_SCHEMA]]
        ),
        "userName": words,
    },
    optional={
        "displayName": text,
        "nickName": text,
        "title": text,
        "userType": words,
        "locale": st.sampled_from(["en-US", "fr"]),
        "timezone": st.just("Europe/Paris"),
        "preferredLanguage": st.just("en"),
        "profileUrl": st.just("https://example.com/me"),
        "externalId": text,
        "active": st.booleans(),
        "name": st.fixed_dictionaries(
            {}, optional={"givenName": text, "familyName": text, "formatted": text}
        ),
        "emails": multi(
            value=st.sampled_from(["a@corp.local", "b@example.com"]),
            type=st.sampled_from(["work", "home"]),
            primary=st.booleans(),
            display=text,
        ),
        "phoneNumbers": multi(value=words, type=st.just("work"), primary=st.booleans()),
        "addresses": multi(locality=text, country=st.just("FR"), primary=st.booleans()),
        "roles": multi(value=words, primary=st.booleans()),
        ENTERPRISE: st.fixed_dictionaries(
            {},
            optional={
                "department": text,
                "employeeNumber": words,
                "manager": st.fixed_dictionaries(
                    {"value": words, "$ref": st.just(f"{BASE}/Users/m")}
                ),
            },
        ),
        SEAT_SCHEMA: st.just({}),
    },
)


def member_of(body: dict[str, Any], data: st.DataObject) -> Any:
    """Store a User body as a create would; skip the bodies a create refuses."""
    try:
        resource = UserResource.model_validate(
            body, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
        )
        resource.active = data.draw(st.sampled_from([resource.active is not False, None]))
        member = new_member(1, source="scim", at=data.draw(when))
        write_user(member, resource)
    except (SCIMException, ValueError):
        assume(False)
    member.active = bool(resource.active)
    member.version = data.draw(st.integers(1, 10**6))
    later = data.draw(st.sampled_from([timedelta(0), timedelta(seconds=1.5)]))
    member.updated_at = member.created_at + later
    return member


def groups_of(data: st.DataObject) -> list[ScimGroup]:
    """Draw the groups a member is in, by display name."""
    names = data.draw(st.lists(words, max_size=3))
    return [ScimGroup(id=f"g{i}", display_name=name) for i, name in enumerate(names)]


def dumped(member: Any, groups: list[ScimGroup], taken_at: datetime | None) -> str:
    """Return GET /Users/<id>'s body as scim2-models builds it."""
    resource = user_resource(member, base_url=BASE, taken_at=taken_at, groups=groups)
    parameters = parametrized(ResponseParameters, UserResource).model_validate({})
    payload = resource.model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE,
        response_parameters=parameters,
        scim_policy=POLICY,
    )
    return json.dumps(echo_seat_extension(payload, member))


def check(member: Any, data: st.DataObject) -> None:
    groups = groups_of(data)
    taken_at = data.draw(st.none() | when)
    projected = echo_seat_extension(shown_user(member, base_url=BASE, groups=groups), member)
    assert json.dumps(projected) == dumped(member, groups, taken_at)


@given(body=well_formed, data=st.data())
@bounded(400)
def test_a_read_of_a_well_formed_user_is_the_scim2_models_dump(
    body: dict[str, Any], data: st.DataObject
) -> None:
    check(member_of(body, data), data)


# Most of user_bodies() is refused on entry; the well-formed ones keep examples coming.
@given(body=user_bodies() | well_formed, data=st.data())
@bounded(400)
def test_a_read_of_any_user_a_create_accepts_is_the_scim2_models_dump(
    body: dict[str, Any], data: st.DataObject
) -> None:
    check(member_of(body, data), data)


@given(
    stored=st.sampled_from([None, {}]),
    email=st.none() | st.just("sso@corp.local"),
    display=st.none() | st.just("") | words,
    active=st.booleans(),
    data=st.data(),
)
@bounded(60)
def test_a_read_of_a_member_an_sso_sign_in_created_is_the_scim2_models_dump(
    stored: Any, email: Any, display: Any, active: bool, data: st.DataObject
) -> None:
    member = new_member(1, source="sso", at=data.draw(when), user_name="sso@corp.local")
    member.scim, member.email, member.display_name, member.active = stored, email, display, active
    member.version = 1
    member.updated_at = member.created_at
    check(member, data)


@given(bodies=st.lists(well_formed, max_size=4), data=st.data())
@bounded(60)
def test_a_page_of_users_is_the_scim2_models_list_response(
    bodies: list[dict[str, Any]], data: st.DataObject
) -> None:
    members = [member_of(body, data) for body in bodies]
    start, total = data.draw(st.integers(1, 50)), data.draw(st.integers(len(members), 99))
    resources = [user_resource(m, base_url=BASE, taken_at=None) for m in members]
    listing = parametrized(ListResponse, UserResource)(
        total_results=total, start_index=start, items_per_page=len(resources), resources=resources
    )
    search = parametrized(SearchRequest, UserResource).model_validate({"count": 100})
    expected = listing.model_dump(
        scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search, scim_policy=POLICY
    )
    shown = [shown_user(m, base_url=BASE) for m in members]
    assert json.dumps(list_payload(start, total, shown)) == json.dumps(expected)


@given(body=well_formed | user_bodies(), taken=st.booleans(), data=st.data())
@bounded(300)
def test_a_created_user_is_the_scim2_models_dump_of_the_resource_it_was_validated_as(
    body: dict[str, Any], taken: bool, data: st.DataObject
) -> None:
    try:
        resource = UserResource.model_validate(
            body, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
        )
        resource.active = resource.active is not False
        member = new_member(1, source="scim", at=data.draw(when))
        write_user(member, resource)
    except (SCIMException, ValueError):
        assume(False)
    member.active, member.version, member.updated_at = resource.active, 1, member.created_at
    written = written_user(
        resource, member, base_url=BASE, taken_at=member.created_at if taken else None
    )
    parameters = parametrized(ResponseParameters, UserResource).model_validate({})
    expected = written.model_dump(
        scim_ctx=Context.RESOURCE_CREATION_RESPONSE,
        response_parameters=parameters,
        scim_policy=POLICY,
    )
    projected = shown_user(member, base_url=BASE)
    assert json.dumps(echo_seat_extension(projected, member)) == json.dumps(
        echo_seat_extension(expected, member)
    )


@given(body=well_formed | user_bodies())
@bounded(200)
def test_an_extension_is_read_from_the_field_scim2_models_reads_it_from(
    body: dict[str, Any],
) -> None:
    try:
        resource = UserResource.model_validate(
            body, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
        )
    except (SCIMException, ValueError):
        assume(False)
    extensions = UserResource.get_extension_models().values()
    assert {extension.__name__ for extension in extensions} == {"EnterpriseUser", "SeatExtension"}
    for extension in extensions:
        assert getattr(resource, extension_field(extension)) is resource[extension]
