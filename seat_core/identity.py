"""How user names and emails are compared: NFKC plus casefold, invisible characters refused."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from .errors import SeatError


class InvalidIdentity(SeatError):
    """A user name or email that cannot identify a person safely."""


# Format (Cf) characters such as ZERO WIDTH SPACE render as nothing, so "ann" and
# "an\u200bn" would look identical to an owner while being two accounts.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}

# RFC 5321 §4.5.3.1: 64 characters before the @, 255 after; a DNS label holds 63.
_LOCAL_LIMIT = 64
_DOMAIN_LIMIT = 255
_LABEL_LIMIT = 63
# RFC 5322 §3.2.3: the ASCII specials that atext leaves out; other characters, any
# non-ASCII ones included (RFC 6531), may stand in a dot-atom.
_NOT_ATEXT = frozenset('()<>[]:;@\\,"')
# The inside of a quoted-string: no bare quote or backslash, escapes allowed (§3.2.4).
_QUOTED_LOCAL = re.compile(r'(?:[^"\\]|\\.)*')


def identity_key(text: str, *, what: str = "userName") -> str:
    """Return the comparison key of a user name: NFKC, casefolded, NFKC again.

    :raises InvalidIdentity: for empty text, surrounding spaces, or invisible characters.
    """
    if not text or not text.strip():
        raise InvalidIdentity.said("%(what)s must not be empty", what=what)
    if text != text.strip():
        raise InvalidIdentity.said("%(what)s must not begin or end with white space", what=what)
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise InvalidIdentity.said(
                "%(what)s contains the invisible or control character %(char)s",
                what=what,
                char=f"U+{ord(char):04X}",
            )
    return fold(text)


def fold(text: str) -> str:
    """Return text as names are compared: NFKC, casefolded, NFKC again (no checks)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def email_key(email: str) -> str:
    """Return the comparison key of an email address, checking its syntax only.

    The one email check of the gateway: SCIM, single sign-on, owners and the CLI all call
    it. An identity provider sends what its directory holds, so special-use domains
    (okta.local, corp.local, acme.test) and domains without a dot are accepted; nothing
    is looked up in DNS.

    :raises InvalidIdentity: for text that is not an address.
    """
    key = identity_key(email, what="email")
    problem = _address_problem(email)
    if problem:
        raise InvalidIdentity(f"{email!r} is not an email address: {problem}")
    return key


def _address_problem(email: str) -> str | None:
    """Return what keeps text from being an addr-spec (RFC 5322 §3.4.1, RFC 6531), or None."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "it has no @"
    if not local:
        return "nothing comes before the @"
    if not domain:
        return "nothing comes after the @"
    if len(local) > _LOCAL_LIMIT:
        return f"the part before the @ is longer than {_LOCAL_LIMIT} characters"
    if len(domain) > _DOMAIN_LIMIT:
        return f"the part after the @ is longer than {_DOMAIN_LIMIT} characters"
    return _local_problem(local) or _domain_problem(domain)


def _local_problem(local: str) -> str | None:
    if len(local) > 1 and local[0] == local[-1] == '"':
        # A quoted local part may hold anything printable, but a bare quote or backslash.
        if _QUOTED_LOCAL.fullmatch(local[1:-1]) is None:
            return "the quoted part before the @ holds an unescaped quote or backslash"
        return None
    if any(not atom for atom in local.split(".")):
        return "the part before the @ has an empty part between dots"
    bad = next((char for char in local if char in _NOT_ATEXT or char.isspace()), None)
    if bad is not None:
        return f"{bad!r} may not stand unquoted before the @"
    return None


def _domain_problem(domain: str) -> str | None:
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        try:
            if literal[:5].lower() == "ipv6:":
                ipaddress.IPv6Address(literal[5:])
            else:
                ipaddress.IPv4Address(literal)
        except ValueError:
            return "the address in brackets after the @ is not an IP address"
        return None
    for label in domain.split("."):
        if not label:
            return "the part after the @ has an empty label between dots"
        if len(label) > _LABEL_LIMIT:
            return f"a label after the @ is longer than {_LABEL_LIMIT} characters"
        if label[0] == "-" or label[-1] == "-":
            return "a label after the @ begins or ends with a hyphen"
        bad = next((char for char in label if not (char.isalnum() or char == "-")), None)
        if bad is not None:
            return f"{bad!r} may not stand after the @"
    return None


def email_domain(email: str) -> str:
    """Return the domain part of an email address, lower-cased."""
    return email.rpartition("@")[2].lower()


_DIGITS = re.compile(r"[0-9]+")


def natural_key(text: str) -> str:
    """Return text's key for a natural sort, where "user3" comes before "user10".

    Each run of digits is written without its leading zeros, after its length in three
    digits ("10" becomes "00210"), so that comparing keys character by character compares
    the numbers by value. "user03" and "user3" share a key: order ties by the text.
    """

    def number(match: re.Match[str]) -> str:
        digits = match.group().lstrip("0") or "0"
        return f"{len(digits):03d}{digits}"

    return _DIGITS.sub(number, text)
