"""The one rule for strings from outside: no NUL, unpaired surrogate or control character."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seat_core.text import (
    REFUSED_CONTROLS,
    InvalidText,
    check_strings,
    check_text,
    refused_character,
)

REFUSED = (
    [chr(c) for c in range(0x00, 0x09)]
    + ["\x0b", "\x0c"]
    + [chr(c) for c in range(0x0E, 0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\ud800", "\udbff", "\udc00", "\udfff"]
)
ALLOWED = ["\t", "\n", "\r", " ", "~", "\xa0", "é", "\u200b", "\ufeff", "\ufffd", "\U0010ffff"]


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_every_control_but_tab_and_line_breaks_and_every_surrogate_is_refused(char: str) -> None:
    assert refused_character(f"ann{char}lee") == char


@pytest.mark.parametrize("char", ALLOWED, ids=[f"U+{ord(c):04X}" for c in ALLOWED])
def test_tabs_line_breaks_and_other_characters_are_allowed(char: str) -> None:
    assert refused_character(f"ann{char}lee") is None


def test_check_text_returns_the_text_or_names_the_character_and_where_it_was() -> None:
    assert check_text("Ann Lee\n2 Main St") == "Ann Lee\n2 Main St"

    with pytest.raises(InvalidText, match=r"^The userName contains the character U\+0000"):
        check_text("ann\x00", what="the userName")


def test_a_json_escape_of_a_lone_surrogate_is_refused_but_a_pair_is_one_character() -> None:
    lone = json.loads('"\\ud800"')
    pair = json.loads('"\\ud83d\\ude00"')

    assert (refused_character(lone), refused_character(pair)) == ("\ud800", None)


def test_check_strings_names_the_path_of_a_refused_value() -> None:
    body = {"name": {"givenName": "Ann"}, "emails": [{"value": "a@b"}, {"value": "c\x00@d"}]}

    with pytest.raises(InvalidText, match=r"^The body at emails\[1\]\.value contains .*U\+0000"):
        check_strings(body, what="the body")


def test_check_strings_checks_keys_too() -> None:
    with pytest.raises(InvalidText, match=r"^A key of the body at name contains .*U\+0085"):
        check_strings({"name": {"given\x85": "Ann"}}, what="the body")


def test_check_strings_returns_a_clean_value_unchanged_and_ignores_other_types() -> None:
    body = {"a": [1, 2.5, None, True, {"b": "tab\there"}], 3: "x"}

    assert check_strings(body) is body


def test_check_strings_walks_nesting_deeper_than_the_recursion_limit() -> None:
    deep: list[object] = ["\x00"]
    for _ in range(10_000):
        deep = [deep]

    with pytest.raises(InvalidText, match="U\\+0000"):
        check_strings(deep)


def test_the_controls_as_pattern_text_match_what_the_rule_refuses() -> None:
    pattern = re.compile(f"[{REFUSED_CONTROLS}]")

    assert [c for c in map(chr, range(0x100)) if pattern.match(c)] == [
        c for c in map(chr, range(0x100)) if refused_character(c)
    ]


@settings(derandomize=True, max_examples=300)
@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_check_strings_refuses_exactly_when_some_string_holds_a_refused_character(
    value: object,
) -> None:
    def strings(item: object) -> list[str]:
        if isinstance(item, str):
            return [item]
        if isinstance(item, list):
            return [s for child in item for s in strings(child)]
        if isinstance(item, dict):
            return [s for k, v in item.items() for s in [k, *strings(v)]]
        return []

    expected = any(refused_character(s) for s in strings(value))

    try:
        check_strings(value)
        refused = False
    except InvalidText:
        refused = True
    assert refused == expected
