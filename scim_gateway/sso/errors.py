"""The failure of a sign-in that could not be verified, whatever the protocol."""

from __future__ import annotations


class SignInFailed(Exception):
    """The sign-in could not be verified; the message is safe to show."""

    def __init__(self, message: str, *, detail: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or message
        self.status = status
