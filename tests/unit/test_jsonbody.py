"""The one JSON decoder: its bounds, exactly at their edges."""

from __future__ import annotations

import pytest

from scim_gateway.jsonbody import MAX_DEPTH, InvalidJsonValue, MalformedJson, decode


def test_nesting_up_to_the_bound_is_read_and_one_more_level_is_refused() -> None:
    assert decode("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None

    with pytest.raises(MalformedJson, match="64 levels"):
        decode("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_integers_at_the_signed_64_bit_edges_are_read_and_beyond_them_refused() -> None:
    assert decode("[-9223372036854775808, 9223372036854775807]") == [-(2**63), 2**63 - 1]

    for number in ("9223372036854775808", "-9223372036854775809", "1" * 5000):
        with pytest.raises(InvalidJsonValue, match="64-bit"):
            decode(f"[{number}]")


def test_a_repeated_key_is_refused_in_nested_objects_too() -> None:
    with pytest.raises(MalformedJson, match="'b' appears more than once"):
        decode('{"a": [{"b": 1, "c": 2, "b": 1}]}')


def test_a_byte_order_mark_is_ignored_and_other_encodings_are_refused() -> None:
    assert decode(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}

    with pytest.raises(MalformedJson, match="not UTF-8"):
        decode('{"a": "é"}'.encode("utf-16"))


def test_escaped_tab_and_line_breaks_pass_and_an_escaped_control_is_refused() -> None:
    assert decode('"a\\tb\\r\\nc"') == "a\tb\r\nc"

    with pytest.raises(InvalidJsonValue, match="U\\+0008"):
        decode('{"note": "a\\bb"}')


def test_a_control_written_as_itself_without_any_backslash_is_refused() -> None:
    # DEL and the C1 controls may stand unescaped in JSON text; no backslash, so the decoder
    # finds them by searching the text rather than each string.
    assert decode('{"name": "Ann\\u00e9", "note": "a\\tb"}') == {"name": "Anné", "note": "a\tb"}

    for text in ('{"name": "a\x7fb"}', '{"a\x85": "b"}'):
        with pytest.raises(InvalidJsonValue, match=r"U\+00(7F|85)"):
            decode(text)
