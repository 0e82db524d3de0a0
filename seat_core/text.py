"""The one rule every string from outside must pass: no NUL, no lone surrogate, no control.

PostgreSQL cannot store U+0000 in text, and a lone UTF-16 surrogate cannot be encoded as
UTF-8 at all, so either would be accepted on one database and fail on the other, or fail
later when the row is read. Refusing them (and the other C0/C1 controls, which no
directory holds on purpose) where the text enters gives both databases the same answer.
TAB, LF and CR stay allowed: postal addresses and notes are written on several lines.
See docs/input.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import SeatError

# C0 controls but TAB, LF and CR; DEL and the C1 controls; every surrogate code point
# (a str holds one only when it came in unpaired, e.g. as a JSON "\ud800" escape).
# The controls as regular expression text, which a JSON Schema pattern can hold too (a
# surrogate cannot: it has no UTF-8 form, so it cannot arrive in a URL at all).
REFUSED_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_REFUSED = re.compile(f"[{REFUSED_CONTROLS}\ud800-\udfff]")


class InvalidText(SeatError):
    """A string holding a character no stored text may hold."""


def refused_character(text: str) -> str | None:
    """Return the first character of text that the policy refuses, or None."""
    found = _REFUSED.search(text)
    return found.group() if found else None


def check_text(text: str, *, what: str = "text") -> str:
    """Return text unchanged when every character of it may be stored.

    :raises InvalidText: naming the first refused character and where it was.
    """
    char = refused_character(text)
    if char is not None:
        raise InvalidText(_message(what, char))
    return text


def check_strings(value: Any, *, what: str = "the request") -> Any:
    """Check every string (keys included) inside nested dicts and lists; return value.

    :raises InvalidText: naming the path of the first string the policy refuses.
    """
    # One search over all the strings joined is several times faster than one per string
    # (it runs on every request body); paths are built only to name a refused one.
    # Joining cannot make a refused character: a str holds code points, not UTF-16 units.
    if refused_character("".join(_all_strings(value))) is None:
        return value
    for where, text in _strings(value, what):
        char = refused_character(text)
        if char is not None:
            raise InvalidText(_message(where, char))
    raise AssertionError("unreachable: a refused character was found above")  # pragma: no cover


def _all_strings(value: Any) -> list[str]:
    # Iterative, so a deeply nested value cannot exhaust Python's stack.
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.extend(key for key in item if isinstance(key, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _strings(value: Any, what: str) -> Iterator[tuple[str, str]]:
    # Yields each string with where it is, e.g. "the request at emails[0].value".
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield (f"{what} at {path}" if path else what), item
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    yield (f"a key of {what} at {path}" if path else f"a key of {what}"), key
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))


def _message(what: str, char: str) -> str:
    return (
        f"{what[:1].upper()}{what[1:]} contains the character U+{ord(char):04X}, "
        "which is not accepted: "
        "NUL, unpaired surrogates and control characters other than tab and line breaks "
        "are refused."
    )
