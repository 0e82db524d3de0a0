"""How user names and emails are compared: NFKC plus casefold, invisible characters refused."""

from __future__ import annotations

import unicodedata

from .errors import SeatError


class InvalidIdentity(SeatError):
    """A user name or email that cannot identify a person safely."""


# Format (Cf) characters such as ZERO WIDTH SPACE render as nothing, so "ann" and
# "an\u200bn" would look identical to an owner while being two accounts.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def identity_key(text: str, *, what: str = "userName") -> str:
    """Return the comparison key of a user name: NFKC, casefolded, NFKC again.

    :raises InvalidIdentity: for empty text, surrounding spaces, or invisible characters.
    """
    if not text or not text.strip():
        raise InvalidIdentity(f"{what} must not be empty")
    if text != text.strip():
        raise InvalidIdentity(f"{what} must not begin or end with white space")
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise InvalidIdentity(
                f"{what} contains the invisible or control character U+{ord(char):04X}"
            )
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def email_key(email: str) -> str:
    """Return the comparison key of an email address.

    :raises InvalidIdentity: for text that is not an address.
    """
    key = identity_key(email, what="email")
    local, at, domain = key.rpartition("@")
    if not at or not local or not domain or " " in key:
        raise InvalidIdentity(f"{email!r} is not an email address")
    return key


def email_domain(email: str) -> str:
    """Return the domain part of an email address, lower-cased."""
    return email.rpartition("@")[2].lower()
