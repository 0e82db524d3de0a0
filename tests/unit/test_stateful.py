"""Take, release, buy and renew in any order: the invariant holds after every step."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from seat_core import (
    NoSeatAvailable,
    Term,
    make_engine,
    make_sessionmaker,
    purchase_seats,
    release_seat,
    renew_due,
    take_seat,
)
from seat_core.models import Contract, Member, Seat

from ..databases import fresh_sqlite
from ..factories import gen_member, gen_organization

START = date(2025, 1, 1)
PEOPLE = [f"user{i}" for i in range(6)]


class SeatMachine(RuleBasedStateMachine):
    """Drive the seat core and a plain model side by side and compare them."""

    template = None
    directory = None

    @initialize(seats=st.integers(min_value=1, max_value=4))
    def start(self, seats):
        self.engine = make_engine(fresh_sqlite(self.template, self.directory))
        self.sessions = make_sessionmaker(self.engine)
        self.today = START
        with self.sessions.begin() as session:
            self.organization = gen_organization(session, seats=seats)
            self.members = {
                name: gen_member(session, self.organization, name, active=False).id
                for name in PEOPLE
            }
        # The plain model: seats purchased, and who holds one.
        self.purchased = seats
        self.holders: set[str] = set()
        self.term = Term(START)

    def teardown(self):
        if hasattr(self, "engine"):
            self.engine.dispose()

    @property
    def at(self):
        return datetime.combine(self.today, datetime.min.time(), UTC) + timedelta(hours=12)

    @rule(name=st.sampled_from(PEOPLE))
    def take(self, name):
        try:
            with self.sessions.begin() as session:
                take_seat(session, session.get(Member, self.members[name]), at=self.at)
        except NoSeatAvailable:
            assert name not in self.holders
            assert len(self.holders) >= self.purchased
            return
        self.holders.add(name)

    @rule(name=st.sampled_from(PEOPLE))
    def release(self, name):
        with self.sessions.begin() as session:
            released = release_seat(session, session.get(Member, self.members[name]), at=self.at)
        assert released == (name in self.holders)
        self.holders.discard(name)

    @rule(seats=st.integers(min_value=1, max_value=3))
    def buy(self, seats):
        with self.sessions.begin() as session:
            purchase_seats(session, self.organization, seats=seats, on=self.today, at=self.at)
        self.purchased += seats

    @rule(days=st.integers(min_value=1, max_value=200))
    def time_passes(self, days):
        self.today += timedelta(days=days)
        with self.sessions.begin() as session:
            renewed = renew_due(session, at=self.at)
        terms_ended = 0
        while self.term.end <= self.today:
            self.term = self.term.next()
            terms_ended += 1
        assert len(renewed) == terms_ended
        if terms_ended:
            self.purchased = max(len(self.holders), 1)

    @invariant()
    def seats_match_the_model(self):
        if not hasattr(self, "sessions"):
            return
        with self.sessions.begin() as session:
            contract = session.scalars(select(Contract)).one()
            holders = session.scalar(select(func.count()).select_from(Seat))
            active = session.scalar(select(func.count()).select_from(Member).where(Member.active))
        assert contract.seats_used == holders == active == len(self.holders)
        assert contract.seats_used <= contract.seats_purchased == self.purchased


def test_the_seat_invariant_holds_in_any_order_of_operations(sqlite_template, tmp_path):
    SeatMachine.template = sqlite_template
    SeatMachine.directory = tmp_path
    run_state_machine_as_test(
        SeatMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
