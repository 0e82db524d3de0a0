"""Decode every JSON request body the same way: strictly, within fixed bounds (docs/input.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request
from flask_babel import gettext as _

from seat_core.text import InvalidText, check_strings, refused_character

# Deeper than any SCIM resource or API body (a PATCH value nests about 5 deep), and far
# below Python's recursion limit, which JSON nested thousands deep would otherwise exhaust.
MAX_DEPTH = 64
# Both databases store integers as signed 64-bit; a larger one would fail only at the
# INSERT, or be compared wrongly in a filter.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Longer digit strings are out of range before they are converted (Python refuses to
# convert more than 4300 digits at all).
_MAX_DIGITS = len(str(INT_MIN))


class RefusedJson(Exception):
    """A request body the gateway does not read; detail says why in plain words."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MalformedJson(RefusedJson):
    """Not JSON text the gateway reads: a syntax error, nesting too deep or a repeated key."""


class InvalidJsonValue(RefusedJson):
    """Well-formed JSON holding a value no endpoint accepts: a number or a string."""


def decode(raw: bytes | str) -> Any:
    """Return the value of JSON text, refusing what docs/input.md says the gateway refuses.

    :raises MalformedJson: for bytes that are not UTF-8, invalid JSON, a key repeated in
        one object, or nesting deeper than MAX_DEPTH.
    :raises InvalidJsonValue: for NaN or an infinity, an integer outside signed 64 bits,
        or a string (value or key) that seat_core.text refuses.
    """
    if isinstance(raw, bytes):
        try:
            # utf-8-sig: RFC 8259 §8.1 lets a parser ignore a byte order mark.
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise MalformedJson(
                _("The request body is not UTF-8 (byte %(byte)d is invalid).", byte=error.start + 1)
            ) from None
    try:
        value = json.loads(
            raw,
            object_pairs_hook=_object,
            parse_int=_integer,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as error:
        raise MalformedJson(
            _(
                "The request body is not valid JSON: %(reason)s "
                "(line %(line)d, column %(column)d).",
                reason=error.msg,
                line=error.lineno,
                column=error.colno,
            )
        ) from None
    except RecursionError:
        raise MalformedJson(_too_deep()) from None
    _check_tree(value, raw)
    return value


def request_json() -> Any:
    """Return the current request's body decoded by decode(), whatever its Content-Type."""
    return decode(request.get_data(cache=True))


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # Which of two values counts differs between parsers; taking either one silently
        # lets a client (or something between it and us) smuggle a second meaning.
        keys = [pair[0] for pair in pairs]
        repeated = next(key for index, key in enumerate(keys) if key in keys[:index])
        raise MalformedJson(
            _("The key %(key)s appears more than once in one object.", key=repr(repeated))
        )
    return result


def _integer(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) <= _MAX_DIGITS:
        value = int(text)
        if INT_MIN <= value <= INT_MAX:
            return value
    shown = text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"
    raise InvalidJsonValue(
        _("The number %(number)s is outside the range of signed 64-bit integers.", number=shown)
    )


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidJsonValue(
            _("The number %(number)s is too large to be represented.", number=text[:40])
        )
    return value


def _constant(text: str) -> float:
    raise InvalidJsonValue(
        _("%(text)s is not a JSON number; send a finite number or null.", text=text)
    )


def _check_tree(value: Any, text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and strings seat_core.text refuses, iteratively."""
    # Fewer opening brackets than the bound cannot nest past it: the usual body skips the
    # walk (json.loads itself stops at Python's recursion limit, far deeper).
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(value)
    # Without a backslash every string of the value stands in the text as it is (a JSON
    # string holds no raw control character), so one search of the text clears them all.
    if "\\" not in text and refused_character(text) is None:
        return
    try:
        check_strings(value, what="the request body")
    except InvalidText as error:
        raise InvalidJsonValue(error.message) from None


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedJson(_too_deep())
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _too_deep() -> str:
    return _(
        "The request body nests arrays and objects more than %(depth)d levels deep.",
        depth=MAX_DEPTH,
    )
