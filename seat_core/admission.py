"""The seat gate of sign-ins: match the person to a member and let them in only with a seat.

Shared by the OpenID Connect callback and the sign-in hook of the API. It runs after the
identity has been verified and before any session exists. admit() works in the caller's
transaction and raises SignInRefused to have it rolled back; whoever handles the refusal
then records its requester as a seat request in a transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .errors import ContractExpired, NoSeatAvailable, Refusal, Requester
from .identity import InvalidIdentity, email_key
from .ledger import take_seat
from .licensing import LICENSED, group_names, is_licensed_member, licensed
from .members import add_member, deactivated_by_idp, new_member
from .models import Member, Organization, SeatRequest
from .renewal import renew_lapsed
from .seat_usage import usage
from .trust import Identity, Policy, trusted_email

# Refusals that mean "no seat for you now": remembered as seat requests, owners alerted.
REQUESTABLE = frozenset({"no_seat", "contract_expired", "jit_disabled"})


@dataclass(frozen=True)
class Admission:
    """A member let in, and whether this sign-in created it or gave it its seat."""

    member: Member
    seat_taken: bool
    created: bool


class SignInRefused(Refusal):
    """The person may not sign in; reason says why, message says it to them."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        organization: str,
        organization_id: int,
        identity: Identity,
        seats_in_use: int | None = None,
        seats_purchased: int | None = None,
        member: Member | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.organization = organization
        self.organization_id = organization_id
        self.identity = identity
        self.seats_in_use = seats_in_use
        self.seats_purchased = seats_purchased
        # The groups that grant a seat, for a not_licensed refusal.
        self.licensed_groups: list[str] = []
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
    member, created = _member_of(session, organization, identity, policy, at=at)
    if not created and deactivated_by_idp(member):
        # Not a seat request: owners cannot undo what the identity provider decided.
        raise _refusal(
            session,
            organization,
            identity,
            "deactivated_by_idp",
            f"Your identity provider deactivated your account in {organization.name}. "
            "Ask its administrator to reactivate you, then sign in again.",
        )
    # Link the member to this identity, so the next sign-in matches by subject.
    member.sso_issuer, member.sso_subject = identity.issuer, identity.subject
    if identity.name and not member.display_name:
        member.display_name = identity.name
    _check_licensed(session, organization, identity, member, created=created)
    renew_lapsed(session, organization.id, at=at)
    taken = _take(session, organization, identity, member, created=created, at=at)
    member.last_sign_in_at = at
    session.flush()
    return Admission(member=member, seat_taken=taken, created=created)


def _member_of(
    session: Session,
    organization: Organization,
    identity: Identity,
    policy: Policy,
    *,
    at: datetime,
) -> tuple[Member, bool]:
    """Return the person's member, by subject, then by trusted email, or a new one (JIT).

    :raises SignInRefused: when no member may be found or made for them.
    """
    member = _by_subject(session, organization, identity)
    if member is not None:
        return member, False
    email, problem = trusted_email(identity, policy)
    if email is not None:
        member = _by_email(session, organization, identity, email)
    if member is not None:
        return member, False
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
    return _create(identity, organization, email, at=at), True


def _take(
    session: Session,
    organization: Organization,
    identity: Identity,
    member: Member,
    *,
    created: bool,
    at: datetime,
) -> bool:
    """Take the member's seat (a new member is added by the take); False if it held one.

    :raises SignInRefused: no_seat or contract_expired, in words the person can act on.
    """
    try:
        # A new member is added, unflushed, by the take: one statement on PostgreSQL.
        if created:
            return add_member(session, member, at=at, active=True)
        return take_seat(session, member, at=at)
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


def _check_licensed(
    session: Session,
    organization: Organization,
    identity: Identity,
    member: Member,
    *,
    created: bool,
) -> None:
    """Refuse a member outside every licensed group, naming the groups that grant a seat.

    :raises SignInRefused: not_licensed, when the organization has licensed groups and
        the member (a new one is in no group) is in none of them.
    """
    if not licensed(session, organization.id):
        return
    if not created and is_licensed_member(session, member):
        return
    groups = group_names(session, organization.id, LICENSED)
    named = " or ".join(repr(name) for name in groups)
    refusal = _refusal(
        session,
        organization,
        identity,
        "not_licensed",
        f"You are not licensed to use {organization.name}: a seat comes with membership of "
        f"the group {named} in your identity provider. Ask its administrator to add you.",
    )
    refusal.licensed_groups = groups
    raise refusal


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
    # A member linked to this very subject is this person: under READ COMMITTED it shows up
    # here, and not by subject a statement earlier, when a concurrent first sign-in of the
    # same person committed in between.
    free = [
        member
        for member in candidates
        if member.sso_subject in (None, identity.subject) or member.sso_issuer != identity.issuer
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


def _create(identity: Identity, organization: Organization, email: str, *, at: datetime) -> Member:
    return new_member(
        organization.id,
        source="sso",
        at=at,
        user_name=email,
        email=email,
        display_name=identity.name,
        sso_issuer=identity.issuer,
        sso_subject=identity.subject,
    )


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
        organization_id=organization.id,
        identity=identity,
        seats_in_use=seats[0],
        seats_purchased=seats[1],
        member=member,
    )
