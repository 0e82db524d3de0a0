from seat_core import usage

from ..factories import gen_member, gen_organization


def test_a_member_takes_a_seat(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        gen_member(session, organization, "ann")
        assert usage(session, organization).seats_in_use == 1
