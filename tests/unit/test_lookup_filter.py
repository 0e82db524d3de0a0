"""The lookup shortcut reads a filter only as scim2-models' grammar reads it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scim2_models import ScimFilter
from scim2_models.path import CompareOperator, Comparison

from scim_gateway.scim.lookup import simple_filter
from scim_gateway.scim.resources import UserResource

spaces = st.text(alphabet=" \t\r\n\f\v", max_size=2)
names = st.sampled_from(
    [
        "userName",
        "USERNAME",
        "username",
        "externalId",
        "EXTERNALID",
        "userName.value",
        "emails",
        "displayName",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    ]
)
operators = st.sampled_from(["eq", "EQ", "Eq", "ne", "co", "eqx", ""])
# Plain characters, and the ones a JSON string escapes or refuses.
pieces = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    ['"', "\\", "\\u0041", "\\n", "\x00", "\x1f", "é", "İ", "ﬀ"]
)
values = st.lists(pieces, max_size=8).map("".join)
quotes = st.sampled_from(['"', "", "'"])


@st.composite
def filters(draw: st.DrawFn) -> str:
    """Return filters near the shortcut's shape: spaces, case, quotes and values varied."""
    quote = draw(quotes)
    return (
        draw(spaces)
        + draw(names)
        + draw(spaces)
        + draw(operators)
        + draw(spaces)
        + quote
        + draw(values)
        + quote
        + draw(spaces)
    )


def parsed(text: str) -> tuple[str, str] | None:
    """Return what scim2-models reads of a userName or externalId equality, or None."""
    try:
        ast = ScimFilter[UserResource](text).ast
    except Exception:
        return None
    if not isinstance(ast, Comparison) or ast.op != CompareOperator.eq:
        return None
    path = ast.attr_path
    if path.uri is not None or path.sub_attr is not None or not isinstance(ast.value, str):
        return None
    name = {"username": "userName", "externalid": "externalId"}.get(path.attr.lower())
    return None if name is None else (name, ast.value)


@given(filters())
def test_the_shortcut_reads_only_what_scim2_models_reads_the_same(text: str) -> None:
    simple = simple_filter(text)
    if simple is not None:
        assert parsed(text) == simple


def test_the_filters_identity_providers_send_take_the_shortcut() -> None:
    # Okta's and Entra's lookups (Okta's documented example uses an @okta.local login).
    assert simple_filter('userName eq "isaac.brock@okta.local"') == (
        "userName",
        "isaac.brock@okta.local",
    )
    assert simple_filter('externalId eq "00ujl29u0le5T6Aj10h7"') == (
        "externalId",
        "00ujl29u0le5T6Aj10h7",
    )
    assert simple_filter(' USERNAME  Eq"Ann" ') == ("userName", "Ann")


def test_escapes_and_other_shapes_go_the_general_way() -> None:
    for text in [
        'userName eq "a\\"b"',
        'userName eq "\\u0041"',
        'userName eq "a" and active eq true',
        'userName ne "a"',
        "userName eq null",
        "userName eq 5",
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"',
        'displayName eq "a"',
        'userName eq "a\tb"',
    ]:
        assert simple_filter(text) is None, text
