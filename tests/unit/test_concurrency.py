"""Races across processes and threads: the database keeps the seat invariant, not Python."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from seat_core import set_group_members, set_policy
from seat_core.models import Contract, GroupMembership, Invoice, Member, Seat, SeatRequest
from tests.support.pooled import pooled_database_url  # noqa: F401 (through PgBouncer too)

from ..factories import AT, gen_group, gen_member, gen_organization
from .race import race_for_seats, race_to_join, race_to_renew, run_in_processes

PROCESSES = 4
THREADS = 16


def test_four_processes_of_sixteen_threads_take_exactly_the_ten_free_seats(sessions, database_url):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=12)
        gen_member(session, organization, "ann")
        gen_member(session, organization, "bob")

    results = run_in_processes(
        race_for_seats, [(database_url, organization.id, p, THREADS) for p in range(PROCESSES)]
    )

    assert sum(r["taken"] for r in results) == 10
    assert sum(r["refused"] for r in results) == PROCESSES * THREADS - 10
    with sessions.begin() as session:
        contract = session.scalars(select(Contract)).one()
        holders = session.scalar(select(func.count()).select_from(Seat))
        assert contract.seats_used == holders == 12 == contract.seats_purchased


def test_two_processes_renewing_at_once_renew_the_term_exactly_once(sessions, database_url):
    with sessions.begin() as session:
        gen_organization(session, seats=5)
    at = datetime(2026, 1, 1, 1, tzinfo=UTC)

    issued = run_in_processes(race_to_renew, [(database_url, at)] * 2)

    assert sorted(issued) == [0, 1]
    with sessions.begin() as session:
        renewals = session.scalars(select(Invoice).where(Invoice.kind == "renewal")).all()
        assert len(renewals) == 1
        assert session.scalars(select(Contract.term_index)).one() == 1


def test_fifty_licensed_group_joins_at_once_admit_exactly_ten_and_queue_forty(
    sessions, database_url
):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=12)
        gen_member(session, organization, "ann")
        gen_member(session, organization, "bob")
        set_policy(
            session, organization.id, at=AT, licensed_groups=["Engineering"], confirm_releases=True
        )
        group = gen_group(session, organization, "Engineering")
        # ann and bob keep their seats as licensed members: 10 seats stay free.
        set_group_members(session, group, [m.id for m in session.scalars(select(Member))], at=AT)
        joiners = []
        for index in range(50):
            member = gen_member(session, organization, f"joiner{index}", active=False)
            member.active = True
            joiners.append(member.id)
    batches = [(database_url, group.id, joiners[p::5]) for p in range(5)]

    results = run_in_processes(race_to_join, batches)

    assert sum(r["taken"] for r in results) == 10
    assert sum(r["queued"] for r in results) == 40
    with sessions.begin() as session:
        contract = session.scalars(select(Contract)).one()
        holders = session.scalar(select(func.count()).select_from(Seat))
        assert contract.seats_used == holders == 12 == contract.seats_purchased
        in_group = session.scalar(
            select(func.count())
            .select_from(GroupMembership)
            .where(GroupMembership.group_id == group.id)
        )
        assert in_group == 52
        waiting = session.scalars(
            select(SeatRequest.member_id).where(SeatRequest.status == "pending")
        ).all()
        seated = set(session.scalars(select(Seat.member_id))) & set(joiners)
        # Every joiner either holds one of the 10 seats or waits for one, never both.
        assert (len(seated), len(waiting)) == (10, 40)
        assert seated | set(waiting) == set(joiners)
