"""Domain errors: every refusal the seat core can give, named for its condition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Self


class SeatError(Exception):
    """Base of every refusal raised by the seat core."""

    # Made by said(): the sentence with its %(name)s placeholders, and their values, so
    # that an app can say it again in another language. A date stays a date here.
    template: str | None = None
    values: Mapping[str, object] = {}

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def said(cls, template: str, **values: object) -> Self:
        """Make the error from a sentence and the values of its placeholders; its message
        writes a date in ISO form. `make messages` extracts the sentence."""
        written = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in values.items()
        }
        error = cls(template % written)
        error.template = template
        error.values = values
        return error


class OrganizationNotFound(SeatError):
    """No organization has that slug or id."""


class MemberNotFound(SeatError):
    """No member with that id in the organization."""


@dataclass(frozen=True)
class Requester:
    """A refused person as their seat request records them (plain values, no rows)."""

    reason: str
    identity: str
    identity_key: str
    email: str | None = None
    display_name: str | None = None
    member_id: str | None = None


class Refusal(SeatError):
    """A person refused a seat or a sign-in; requester, when set, is who to remember.

    It carries plain values only: the refused request's rows are gone once its
    transaction rolls back, and the seat request is written after that.
    """

    reason = "refused"
    organization_id: int | None = None
    requester: Requester | None = None


class NoSeatAvailable(Refusal):
    """Every purchased seat is in use."""

    reason = "no_seat"

    def __init__(self, *, organization: str, seats_in_use: int, seats_purchased: int) -> None:
        self.organization = organization
        self.seats_in_use = seats_in_use
        self.seats_purchased = seats_purchased
        super().__init__(
            f"No seat available in {organization}: {seats_in_use} of {seats_purchased} "
            "seats in use. A Primary Owner must add seats."
        )


class ContractExpired(Refusal):
    """The contract's term has ended and it was not renewed."""

    reason = "contract_expired"

    def __init__(self, *, organization: str, ended_on: str) -> None:
        self.organization = organization
        self.ended_on = ended_on
        super().__init__(
            f"The contract of {organization} ended on {ended_on} and has not been renewed. "
            "A Primary Owner must renew it before seats can be taken."
        )


class NotLicensed(Refusal):
    """Licensed groups hand out the seats, and the member is in none of them."""

    reason = "unlicensed"

    def __init__(self, *, name: str, groups: list[str]) -> None:
        self.name = name
        self.groups = groups
        super().__init__(
            f"{name} is in none of the licensed groups ({', '.join(groups)}): only their "
            "members may hold a seat. Add them to one in your identity provider."
        )


class ContractNotStarted(SeatError):
    """The date lies before the contract's first term."""


class InvalidQuantity(SeatError):
    """A number of seats that cannot be bought."""


class InvalidMoney(SeatError):
    """An amount or currency that cannot be used."""


class InvalidContract(SeatError):
    """Contract terms that cannot be set up."""


class PurchaseOutsideTerm(SeatError):
    """A purchase dated on or after the term's end belongs to the renewal."""


class IdempotencyKeyReused(SeatError):
    """The idempotency key was already used with a different request."""


class IdempotencyKeyInFlight(SeatError):
    """The first request with this idempotency key has not finished yet."""


class InvalidLanguage(SeatError):
    """A language the gateway does not speak."""


class DuplicateOrganization(SeatError):
    """An organization with that slug exists already."""
