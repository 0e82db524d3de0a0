"""Owner passwords, hashed with Argon2id."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """A hash verified against when the email is unknown, so that a miss takes as long as a
    hit; made at the first sign-in, not at import (hashing takes a sixth of a second)."""
    return _hasher.hash("not a password")


def hash_password(password: str) -> str:
    """Return the Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Tell whether the password matches the hash; a missing hash never matches."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
