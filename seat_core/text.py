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
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


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
    for path, text in _strings(value, ""):
        char = refused_character(text)
        if char is not None:
            raise InvalidText(_message(path or what, char))
    return value


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    # Iterative, so a deeply nested value cannot exhaust Python's stack.
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    stack.append((where, child))
                    continue
                yield f"a key in {where or 'the object'}", key
                stack.append((f"{where}.{key}" if where else key, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(item))


def _message(what: str, char: str) -> str:
    return (
        f"{what} contains the character U+{ord(char):04X}, which is not accepted: "
        "NUL, unpaired surrogates and control characters other than tab and line breaks "
        "are refused."
    )
