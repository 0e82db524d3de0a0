"""Admission through the seat gate: find or create the member, take its seat, or refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from seat_core import (
    ContractExpired,
    InvalidIdentity,
    NoSeatAvailable,
    email_key,
    identity_key,
    record_refusal,
    take_seat,
    usage,
)
from seat_core.models import Member, Organization, SeatRequest

from .people import Identity, Policy, trusted_email

# Refusals that mean "no seat for you now": remembered as seat requests, owners alerted.
REQUESTABLE = frozenset({"no_seat", "contract_expired", "jit_disabled"})


@dataclass(frozen=True)
class Admission:
    """A member let in, and whether this sign-in created it or gave it its seat."""

    member: Member
    seat_taken: bool
    created: bool


@dataclass(frozen=True)
class Requester:
    """A refused person as their seat request records them (plain values, no rows)."""

    reason: str
    identity: str
    identity_key: str
    email: str | None = None
    display_name: str | None = None
    member_id: str | None = None


class SignInRefused(Exception):
    """The person may not sign in; reason says why, message says it to them."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        organization: str,
        identity: Identity,
        seats_in_use: int | None = None,
        seats_purchased: int | None = None,
        member: Member | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.organization = organization
        self.identity = identity
        self.seats_in_use = seats_in_use
        self.seats_purchased = seats_purchased
        # Plain values: the member row is gone once the transaction rolls back.
        key = _request_key(identity, member)
        self.requester = (
            Requester(
                reason=reason,
                identity=identity.email or (member.user_name if member else key),
                identity_key=key,
                email=identity.email,
                display_name=identity.name or (member.display_name if member else None),
                member_id=member.id if member is not None else None,
            )
            if reason in REQUESTABLE and key is not None
            else None
        )


def admit(
    session: Session,
    organization: Organization,
    identity: Identity,
    policy: Policy,
    *,
    at: datetime,
) -> Admission:
    """Let the person in: find or create their member and make sure it holds a seat.

    :raises SignInRefused: when they may not come in; the caller must roll back.
    """
    member = _by_subject(session, organization, identity)
    created = False
    if member is None:
        email, problem = trusted_email(identity, policy)
        if email is not None:
            member = _by_email(session, organization, identity, email)
        if member is None:
            if problem is not None:
                raise _refusal(session, organization, identity, *problem)
            if not policy.jit:
                raise _refusal(
                    session,
                    organization,
                    identity,
                    "jit_disabled",
                    f"{organization.name} admits only people already provisioned; "
                    f"{email} is not one of them yet.",
                )
            assert email is not None
            member = _create(session, organization, identity, email, at=at)
            created = True
    # Link the member to this identity, so the next sign-in matches by subject.
    member.sso_issuer, member.sso_subject = identity.issuer, identity.subject
    if identity.name and not member.display_name:
        member.display_name = identity.name
    try:
        taken = take_seat(session, member, at=at)
    except NoSeatAvailable as error:
        raise _refusal(
            session,
            organization,
            identity,
            "no_seat",
            f"No seat available in {organization.name}: all {error.seats_purchased} seats "
            "are in use. The owners have been told; a Primary Owner must add seats.",
            member=None if created else member,
            seats=(error.seats_in_use, error.seats_purchased),
        ) from None
    except ContractExpired as error:
        raise _refusal(
            session,
            organization,
            identity,
            "contract_expired",
            f"The contract of {organization.name} ended on {error.ended_on} and has not "
            "been renewed. The owners have been told.",
            member=None if created else member,
        ) from None
    if taken and not created:
        # The member became active: SCIM clients must see a new version.
        member.version += 1
        member.updated_at = at
    member.last_sign_in_at = at
    session.flush()
    return Admission(member=member, seat_taken=taken, created=created)


def record_request(
    session: Session, organization: Organization, requester: Requester, *, at: datetime
) -> SeatRequest:
    """Record a seat request and alert the owners, in a transaction of its own.

    Call it after the refused sign-in's transaction rolled back, so the record survives.
    """
    return record_refusal(
        session,
        organization,
        channel="sso",
        identity=requester.identity,
        identity_key=requester.identity_key,
        at=at,
        display_name=requester.display_name,
        email=requester.email,
        member_id=requester.member_id,
        reason=requester.reason,
    )


def find_request(
    session: Session, organization: Organization, refusal_key: str
) -> SeatRequest | None:
    """Return the organization's seat request with that identity key, if any."""
    return session.scalars(
        select(SeatRequest).where(
            SeatRequest.organization_id == organization.id,
            SeatRequest.identity_key == refusal_key,
        )
    ).first()


def _request_key(identity: Identity, member: Member | None) -> str | None:
    if identity.email:
        try:
            return email_key(identity.email)
        except InvalidIdentity:
            pass
    return member.user_name_key if member is not None else None


def _by_subject(session: Session, organization: Organization, identity: Identity) -> Member | None:
    return session.scalars(
        select(Member).where(
            Member.organization_id == organization.id,
            Member.sso_issuer == identity.issuer,
            Member.sso_subject == identity.subject,
        )
    ).first()


def _by_email(
    session: Session, organization: Organization, identity: Identity, email: str
) -> Member | None:
    """Return the member with that email (or that email as user name), if it is free to link.

    A member already linked to another subject of the same issuer is someone else with
    the same address (a recycled mailbox, say): never hand their account over.

    :raises SignInRefused: when every such member is linked to another subject.
    """
    key = email_key(email)
    candidates = list(
        session.scalars(
            select(Member)
            .where(
                Member.organization_id == organization.id,
                or_(Member.email_key == key, Member.user_name_key == key),
            )
            .order_by(Member.created_at, Member.id)
        )
    )
    free = [
        member
        for member in candidates
        if member.sso_subject is None or member.sso_issuer != identity.issuer
    ]
    if candidates and not free:
        raise _refusal(
            session,
            organization,
            identity,
            "account_conflict",
            f"The member {email} of {organization.name} is linked to another account "
            "of your identity provider. Ask an owner to sort it out.",
        )
    # Prefer the member whose user name is the email: SCIM usually provisions it so.
    free.sort(key=lambda member: member.user_name_key != key)
    return free[0] if free else None


def _create(
    session: Session, organization: Organization, identity: Identity, email: str, *, at: datetime
) -> Member:
    member = Member(
        organization_id=organization.id,
        user_name=email,
        user_name_key=identity_key(email),
        email=email,
        email_key=email_key(email),
        display_name=identity.name,
        active=False,
        source="sso",
        scim={},
        sso_issuer=identity.issuer,
        sso_subject=identity.subject,
        created_at=at,
        updated_at=at,
    )
    session.add(member)
    session.flush()
    return member


def _refusal(
    session: Session,
    organization: Organization,
    identity: Identity,
    reason: str,
    message: str,
    *,
    member: Member | None = None,
    seats: tuple[int, int] | None = None,
) -> SignInRefused:
    if seats is None:
        current = usage(session, organization)
        seats = (current.seats_in_use, current.seats_purchased)
    return SignInRefused(
        reason,
        message,
        organization=organization.name,
        identity=identity,
        seats_in_use=seats[0],
        seats_purchased=seats[1],
        member=member,
    )
