"""Organizations as the vendor's operators run them: created once per key, next-term terms.

Operators act through seat_core like everyone else; the actor they are (an operator token)
is named by the entry point (seat_core/actors.py). See docs/operators.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import events
from .contracts import contract_of
from .errors import IdempotencyKeyInFlight, IdempotencyKeyReused, InvalidContract, SeatError
from .invoices import mark_invoice_due, mark_invoice_paid
from .models import ApiToken, Contract, Invoice, Organization, OrganizationKey, Owner
from .orgs import InvalidOwner, check_language, create_organization


class OwnerNotFound(SeatError):
    """No owner with that id in the organization."""


@dataclass(frozen=True)
class Created:
    """An organization created, or found again by the key that created it."""

    organization: Organization
    replayed: bool


def request_hash(body: dict[str, Any]) -> str:
    """Return the fingerprint of a creation request: its fields, canonically ordered."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_organization_once(
    session: Session, *, key: str, fingerprint: str, at: datetime, **contract: Any
) -> Created:
    """Create an organization with its contract, or return the one this key created.

    :raises IdempotencyKeyReused: when the key created an organization from another body.
    :raises IdempotencyKeyInFlight: when the key's first request has not committed yet.
    :raises InvalidContract: for a bad slug, seat count, price, currency or time zone.
    :raises DuplicateOrganization: when the slug is taken.
    """
    found = session.get(OrganizationKey, key)
    if found is not None:
        if found.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key created an organization from another request: "
                "use a new key for a new organization"
            )
        return Created(session.get_one(Organization, found.organization_id), replayed=True)
    organization = create_organization(session, at=at, **contract)
    session.add(
        OrganizationKey(
            key=key, request_hash=fingerprint, organization_id=organization.id, created_at=at
        )
    )
    try:
        # The key is the primary key: of two requests racing with it, one commits.
        session.flush()
    except IntegrityError:
        raise IdempotencyKeyInFlight(
            "A request with this Idempotency-Key is in progress: retry in a moment"
        ) from None
    events.record(
        session,
        organization.id,
        "organization.created",
        at=at,
        subject=organization.slug,
        data=_contract_data(session, organization),
    )
    return Created(organization, replayed=False)


def _contract_data(session: Session, organization: Organization) -> dict[str, Any]:
    contract = contract_of(session, organization.id)
    return {
        "name": organization.name,
        "seats_purchased": contract.seats_purchased,
        "price_per_seat_year_minor": contract.price_per_seat_year_minor,
        "currency": contract.currency,
        "term_start": contract.term_start.isoformat(),
        "term_end": contract.term_end.isoformat(),
        "timezone": contract.timezone,
        "auto_renew": contract.auto_renew,
        "min_seats": contract.min_seats,
        "language": organization.language,
    }


def change_organization(
    session: Session,
    organization: Organization,
    *,
    at: datetime,
    name: str | None = None,
    next_price_minor: int | None = None,
    auto_renew: bool | None = None,
    min_seats: int | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Change the name, the language and the terms of the next term; return what changed.

    The current term keeps its price, so its purchases and invoices never change; the
    minimum and auto-renewal only ever act at the renewal (seat_core/renewal.py).

    :raises InvalidContract: for an empty name, a negative price or a minimum below 1.
    :raises InvalidLanguage: for a language the gateway does not speak.
    """
    contract = contract_of(session, organization.id)
    before = {
        "name": organization.name,
        "language": organization.language,
        "next_price_per_seat_year_minor": contract.next_price_per_seat_year_minor,
        "auto_renew": contract.auto_renew,
        "min_seats": contract.min_seats,
    }
    if name is not None:
        if not name.strip():
            raise InvalidContract("The organization needs a name")
        organization.name = name.strip()
    if next_price_minor is not None:
        if next_price_minor < 0:
            raise InvalidContract("The price per seat cannot be negative")
        contract.renewal_price_per_seat_year_minor = next_price_minor
    if auto_renew is not None:
        contract.auto_renew = auto_renew
    if min_seats is not None:
        if min_seats < 1:
            raise InvalidContract(f"The plan minimum must be at least 1 seat, not {min_seats}")
        contract.min_seats = min_seats
    if language is not None:
        organization.language = check_language(language)
    session.flush()
    after = {
        "name": organization.name,
        "language": organization.language,
        "next_price_per_seat_year_minor": contract.next_price_per_seat_year_minor,
        "auto_renew": contract.auto_renew,
        "min_seats": contract.min_seats,
    }
    changes = {field: after[field] for field in after if after[field] != before[field]}
    if changes:
        events.record(
            session, organization.id, "organization.changed", at=at,
            subject=organization.slug, data=changes,
        )  # fmt: skip
    return changes


def set_language(
    session: Session, organization: Organization, language: str, *, at: datetime
) -> bool:
    """Set the language the organization's people are written to in; True if it changed.

    The change is an organization.changed event, like the other settings.

    :raises InvalidLanguage: for a language the gateway does not speak.
    """
    return bool(change_organization(session, organization, at=at, language=language))


def get_owner(session: Session, organization: Organization, owner_id: int) -> Owner:
    """Return the organization's owner with that id.

    :raises OwnerNotFound: when the organization has no such owner.
    """
    owner = session.get(Owner, owner_id)
    if owner is None or owner.organization_id != organization.id:
        raise OwnerNotFound(f"No owner {owner_id} in {organization.slug}")
    return owner


def remove_owner(
    session: Session, organization: Organization, owner_id: int, *, at: datetime
) -> None:
    """Remove an owner: their API tokens stop working and their sessions and links end.

    The caller revokes the owner's tokens first, so that the log says each stopped working.

    :raises OwnerNotFound: when the organization has no such owner.
    :raises InvalidOwner: when they are its last Primary Owner: only a Primary Owner buys seats.
    """
    owner = get_owner(session, organization, owner_id)
    if owner.role == "primary_owner":
        # Locked, so that two removals at once cannot leave the organization without one.
        primaries = session.scalars(
            select(Owner.id)
            .where(Owner.organization_id == organization.id, Owner.role == "primary_owner")
            .with_for_update()
        ).all()
        if len(primaries) < 2:
            raise InvalidOwner(
                f"{owner.email} is the last Primary Owner of {organization.name}: "
                "invite another Primary Owner first."
            )
    data = {"owner_id": owner.id, "role": owner.role}
    events.record(session, organization.id, "owner.removed", at=at, subject=owner.email, data=data)
    session.execute(delete(ApiToken).where(ApiToken.owner_id == owner.id))
    session.delete(owner)
    session.flush()


def pay_invoice(
    session: Session, organization: Organization, number: str, *, on: date, at: datetime
) -> Invoice:
    """Record that an invoice was paid on a day, and log who recorded it.

    :raises InvoiceNotFound: when the organization has no such invoice.
    :raises InvalidPayment: when the day lies before the invoice was issued.
    """
    invoice = mark_invoice_paid(session, organization.id, number, on=on)
    events.record(
        session, organization.id, "invoice.paid", at=at, subject=invoice.number,
        data={"paid_on": on.isoformat(), "total_minor": invoice.total_minor},
    )  # fmt: skip
    return invoice


def reopen_invoice(
    session: Session, organization: Organization, number: str, *, at: datetime
) -> Invoice:
    """Make an invoice due again (a payment recorded by mistake), and log who did it.

    :raises InvoiceNotFound: when the organization has no such invoice.
    """
    invoice = mark_invoice_due(session, organization.id, number)
    events.record(
        session, organization.id, "invoice.due", at=at, subject=invoice.number,
        data={"due_on": invoice.due_on.isoformat()},
    )  # fmt: skip
    return invoice


def organizations_page(
    session: Session, *, status: str | None, text: str | None, limit: int, after: str | None
) -> list[Organization]:
    """Return up to limit organizations by slug after a slug, filtered by status and text."""
    query = select(Organization).join(Contract, Contract.organization_id == Organization.id)
    if status is not None:
        query = query.where(Contract.status == status)
    if text:
        needle = text.casefold()
        query = query.where(
            Organization.slug.contains(needle, autoescape=True)
            | Organization.name.icontains(text, autoescape=True)
        )
    if after is not None:
        query = query.where(Organization.slug > after)
    return list(session.scalars(query.order_by(Organization.slug).limit(limit)))
