"""Strategies for hostile SCIM and JSON API input: strings, bodies, filters, raw JSON text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

# Characters that have broken text handling somewhere: NUL and other controls, both halves
# of a surrogate pair alone, bidi overrides and isolates, invisible ones, line separators,
# quoting characters of JSON and of SCIM filters, and letters that change under NFKC or
# case folding.
NASTY = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\ufffd",
    "\uffff",
    "\t",
    "\n",
    "\r",
    '"',
    "\\",
    "'",
    "%",
    "*",
    "[",
    "]",
    "(",
    ")",
    " ",
    "ß",
    "İ",
    "ﬃ",
    "K",  # KELVIN SIGN, "k" after NFKC and case folding
    "\U0001d518",
    "\U0001f600",
    "\U0010ffff",
]

characters = st.one_of(st.sampled_from(NASTY), st.characters(), st.characters(categories=["Cs"]))
short_text = st.text(characters, max_size=12)
# Lengths around the columns' limits (256 for names, 320 for emails) and far past them.
long_text = st.builds(
    lambda char, length: char * length,
    st.sampled_from(["a", "é", "\U0001f600", "\x00", "\u202e"]),
    st.sampled_from([255, 256, 257, 320, 321, 513, 4097, 70_000]),
)
text = st.one_of(short_text, long_text)
names = st.one_of(
    text,
    st.builds(
        lambda base, tail: base + tail,
        st.sampled_from(["ann", "kim@okta.local", "test.user@okta.local", "Ada@Entra.com"]),
        short_text,
    ),
)
emails = st.one_of(
    text,
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.one_of(st.sampled_from(["test.user", "kim", "a.b+c"]), short_text),
        st.sampled_from(["okta.local", "example.com", "xn--bcher-kva.example", "例え.jp", ""]),
    ),
)
huge_integers = st.one_of(
    st.integers(),
    st.sampled_from([2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**300]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    huge_integers,
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["True", "False", "true", "TRUE", "", "null"]),
    text,
)
keys = st.one_of(short_text, st.sampled_from(["value", "$ref", "op", "path"]))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(keys, children, max_size=3),
    ),
    max_leaves=8,
)
actives = st.one_of(
    st.sampled_from([True, False, "True", "False", "true", "false", "TRUE", "yes", 1, 0, None]),
    json_values,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the strategy's value, sometimes any JSON value: a wrong type."""
    return st.one_of(strategy, strategy, strategy, json_values)


def extra_members() -> st.SearchStrategy[dict[str, Any]]:
    """Unknown top-level keys, some of them near-misses of real ones."""
    keys = st.one_of(
        short_text,
        st.sampled_from(["USERNAME", "userName ", "id", "meta", "groups", "password", "schemas"]),
    )
    return st.dictionaries(keys, json_values, max_size=2)


def user_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Build User bodies: mostly the shape of a User, with hostile values and wrong types."""
    email = st.fixed_dictionaries(
        {"value": maybe(emails)},
        optional={
            "type": maybe(st.sampled_from(["work", "home", "Work", "other"])),
            "primary": maybe(st.booleans()),
        },
    )
    core = st.fixed_dictionaries(
        {"schemas": maybe(st.sampled_from([[USER_SCHEMA], [USER_SCHEMA, ENTERPRISE]]))},
        optional={
            "userName": maybe(names),
            "displayName": maybe(text),
            "name": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "givenName": maybe(text),
                        "familyName": maybe(text),
                        "formatted": text,
                    },
                )
            ),
            "emails": maybe(st.lists(email, max_size=3)),
            "active": actives,
            "externalId": maybe(text),
            "title": maybe(text),
            "locale": maybe(text),
            ENTERPRISE: maybe(
                st.dictionaries(st.sampled_from(["department", "manager"]), json_values)
            ),
        },
    )
    return st.builds(lambda body, extra: {**extra, **body}, core, extra_members())


def group_bodies(member_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Build Group bodies whose members are the given ids, strangers or junk."""
    member = st.fixed_dictionaries(
        {"value": maybe(st.one_of(st.sampled_from(member_ids), text))},
        optional={"$ref": st.one_of(st.none(), text), "display": text, "type": text},
    )
    core = st.fixed_dictionaries(
        {"schemas": maybe(st.just([GROUP_SCHEMA]))},
        optional={
            "displayName": maybe(names),
            "members": maybe(st.lists(member, max_size=3)),
            "externalId": maybe(text),
        },
    )
    return st.builds(lambda body, extra: {**extra, **body}, core, extra_members())


PATHS = [
    "active",
    "userName",
    "displayName",
    "name.givenName",
    "name",
    'emails[type eq "work"].value',
    'emails[type eq "work" and primary eq true]',
    "emails",
    "emails.value",
    "title",
    "externalId",
    f"{ENTERPRISE}:department",
    f"{ENTERPRISE}:manager.value",
    "members",
    'members[value eq "00000000-0000-0000-0000-000000000000"]',
    "members[value eq",
    "groups",
    "id",
    "meta.version",
    "schemas",
    "x.y.z",
    "[",
    "emails[.value",
    'phoneNumbers[type eq "mobile"].value',
]


def patch_bodies(member_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Build PatchOp bodies: real and misspelt ops, real and broken paths, any values."""
    member_list = st.lists(
        st.fixed_dictionaries(
            {"value": st.one_of(st.sampled_from(member_ids), text)},
            optional={"$ref": st.one_of(st.none(), text), "display": text},
        ),
        max_size=2,
    )
    operation = st.fixed_dictionaries(
        {"op": maybe(st.sampled_from(["add", "Add", "replace", "Replace", "remove", "Remove"]))},
        optional={
            "path": maybe(st.one_of(st.sampled_from(PATHS), text)),
            "value": st.one_of(actives, member_list, json_values, user_bodies()),
        },
    )
    return st.fixed_dictionaries(
        {
            "schemas": maybe(st.just([PATCH_SCHEMA])),
            "Operations": maybe(st.lists(operation, min_size=1, max_size=3)),
        },
        optional={"operations": json_values},
    )


ATTRIBUTES = [
    "userName",
    "displayName",
    "name.givenName",
    "emails.value",
    'emails[type eq "work"].value',
    "active",
    "externalId",
    "meta.lastModified",
    "meta.created",
    "id",
    "members.value",
    "members",
    "groups.value",
    "title",
    f"{ENTERPRISE}:department",
    "urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User:holdsSeat",
    "nosuch",
    "",
]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "xx"]


def literals() -> st.SearchStrategy[str]:
    """Filter comparison values: JSON strings with any escape, numbers, keywords, junk."""
    return st.one_of(
        st.builds(lambda value: json.dumps(value), text),
        st.builds(lambda value: f'"{value}"', short_text),
        st.sampled_from(["true", "false", "null", "1e999", "-0", '"2025-01-01T00:00:00Z"']),
        st.builds(str, huge_integers),
    )


def filters() -> st.SearchStrategy[str]:
    """Build filter expressions from the RFC 7644 §3.4.2.2 grammar, plus hostile text."""
    attribute = st.one_of(st.sampled_from(ATTRIBUTES), short_text)
    comparison = st.one_of(
        st.builds(
            lambda a, o, v: f"{a} {o} {v}", attribute, st.sampled_from(OPERATORS), literals()
        ),
        st.builds(lambda a: f"{a} pr", attribute),
        st.builds(lambda v: f"members[value eq {v}]", literals()),
    )
    expression = st.recursive(
        comparison,
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"{a} and {b}", inner, inner),
            st.builds(lambda a, b: f"{a} or {b}", inner, inner),
            st.builds(lambda a: f"not ({a})", inner),
            st.builds(lambda a: f"({a})", inner),
        ),
        max_leaves=4,
    )
    nested = st.builds(
        lambda depth: "(" * depth + 'userName eq "a"' + ")" * depth,
        st.sampled_from([10, 100, 999, 1000, 1999]),
    )
    return st.one_of(expression, expression, text, nested)


def search_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Build SearchRequest bodies for POST /.search (RFC 7644 §3.4.3)."""
    return st.fixed_dictionaries(
        {"schemas": maybe(st.just([SEARCH_SCHEMA]))},
        optional={
            "filter": maybe(filters()),
            "startIndex": numbers,
            "count": numbers,
            "attributes": maybe(st.lists(st.sampled_from(ATTRIBUTES), max_size=3)),
            "excludedAttributes": maybe(st.lists(st.sampled_from(ATTRIBUTES), max_size=3)),
            "sortBy": maybe(st.sampled_from(ATTRIBUTES)),
            "sortOrder": maybe(st.sampled_from(["ascending", "descending", "DESCENDING", ""])),
        },
    )


EDGE_NUMBERS = [
    "-1",
    "0",
    "1",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    str(10**30),
    str(10**300),
    "1" * 5000,
    "1e3",
    "1.5",
    "NaN",
    "0x10",
    " 1",
    "+1",
    "\u0661",  # ARABIC-INDIC DIGIT ONE, which int() accepts
]
BIG = [2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**300]
numbers = st.one_of(st.sampled_from(BIG), st.sampled_from(EDGE_NUMBERS), huge_integers, json_values)
edge_numbers = st.sampled_from(EDGE_NUMBERS)
number_texts = st.one_of(edge_numbers, edge_numbers, st.builds(str, huge_integers), short_text)
attribute_lists = st.builds(",".join, st.lists(st.sampled_from(ATTRIBUTES), max_size=3))
QUERY_VALUES = {
    "filter": st.one_of(filters(), text),
    "startIndex": number_texts,
    "count": number_texts,
    "sortBy": st.one_of(st.sampled_from(ATTRIBUTES), text),
    "sortOrder": st.one_of(st.sampled_from(["ascending", "descending", "Descending"]), text),
    "attributes": st.one_of(attribute_lists, text),
    "excludedAttributes": st.one_of(attribute_lists, text),
}


def query_strings() -> st.SearchStrategy[str]:
    """Build a SCIM list query string by hand, percent-encoding whatever a value holds.

    A lone surrogate goes out as the bytes of its UTF-8-like encoding, which no decoder
    accepts: what a broken client sends. A parameter may come twice.
    """
    pairs = st.lists(
        st.sampled_from(sorted(QUERY_VALUES)).flatmap(
            lambda name: st.tuples(st.just(name), QUERY_VALUES[name])
        ),
        max_size=4,
    )
    return st.builds(
        lambda items: "&".join(
            f"{name}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
            for name, value in items
        ),
        pairs,
    )


def encode(value: Any) -> str:
    """Return JSON text of value; lone surrogates become \\ud800-style escapes."""
    return json.dumps(value, ensure_ascii=True)


def malformed_texts(prefix: str) -> list[bytes]:
    """Return JSON texts no well-behaved client sends, around a body that starts with prefix.

    prefix is the start of a valid object without its closing brace, e.g.
    '{"schemas": [...], "userName": "x"'.
    """

    def close(rest: str) -> bytes:
        return (prefix + rest + "}").encode()

    return [
        b"",
        b"null",
        b"[]",
        b'"a string"',
        b"0",
        b"{",
        b"\xef\xbb\xbf" + close(""),  # a byte order mark before the object
        close(', "userName": "\\u0000"'),
        close(', "userName": "\\ud800"'),
        close(', "displayName": "\\udc00\\ud800"'),
        close(', "displayName": "a\\u0000b"'),
        close(', "externalId": "\\ud83d"'),
        close(', "title": "\\u202eevil"'),
        prefix.encode() + b', "displayName": "\xff\xfe"}',  # invalid UTF-8
        prefix.encode() + b', "displayName": "\xed\xa0\x80"}',  # a surrogate in UTF-8 bytes
        close(', "userName": "first", "userName": "second"'),  # duplicate keys
        close(', "active": true, "active": "False"'),
        close(', "schemas": 1'),
        close(', "active": NaN'),
        close(', "active": Infinity'),
        close(', "title": 1e999'),
        close(', "title": ' + "9" * 5000),
        close(', "title": -' + "9" * 4300),
        close(', "name": ' + '{"givenName": ' * 50 + '"x"' + "}" * 50),
        close(', "name": ' + "[" * 900 + "]" * 900),
        close(', "title": ' + "[" * 5000 + "]" * 5000),
        close(', "title": ' + '{"a": ' * 5000 + "1" + "}" * 5000),
        b"[" * 100_000 + b"]" * 100_000,
        close(', "title": "' + "x" * 70_000 + '"'),
    ]
