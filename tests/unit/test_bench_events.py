"""bench.events: the log switched off for a block only, and the interval of a difference."""

from sqlalchemy import select

import seat_core.events
from bench.events import bootstrap, without_event_log
from seat_core.models import Event

from ..factories import AT, gen_organization


def test_the_event_log_is_off_inside_the_block_and_on_again_after(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        one = seat_core.events.parameters(
            organization.id, "member.updated", AT, "pair", None, seat_core.events.SYSTEM
        )
        with without_event_log():
            seat_core.events.record(session, organization.id, "member.updated", at=AT)
            seat_core.events.record_pair(session.connection(), one, one)
        seat_core.events.record(session, organization.id, "member.updated", at=AT, subject="on")
        seat_core.events.record_pair(session.connection(), one, one)

        assert session.scalars(select(Event.subject)).all() == ["on", "pair", "pair"]


def test_the_interval_of_a_difference_of_medians_holds_it():
    low, high = bootstrap([2.0, 2.1, 2.2, 2.3] * 50, [1.0, 1.1, 1.2, 1.3] * 50)

    assert 0.8 <= low <= 1.0 <= high <= 1.2
