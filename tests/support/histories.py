"""Synthetic seat histories for the forecast, written as dated seat takes and releases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from seat_core import get_organization, release_seat
from tests.factories import gen_member

# Days of history each shape spans, ending today.
DAYS = 40
SPIKE = 25


def noon(day: date) -> datetime:
    """Return when a day's seats change hands: noon UTC, or now for today (no alert of the
    day waits for noon to be delivered)."""
    now = datetime.now(UTC)
    return now if day == now.date() else datetime.combine(day, time(12), UTC)


def seed(session: Session, slug: str, shape: str, *, today: date) -> None:
    """Write a history ending today: "steady" takes one seat a day, so day k closes at k + 1;
    "spike" does the same and on one day SPIKE more people take a seat and give it back;
    "flat" takes ten seats on the first day and nothing after.
    """
    organization = get_organization(session, slug)
    first = today - timedelta(days=DAYS - 1)
    for k in range(DAYS):
        day = first + timedelta(days=k)
        if shape == "flat":
            if k == 0:
                for n in range(10):
                    gen_member(session, organization, f"flat{n}@okta.local", at=noon(day), on=day)
            continue
        gen_member(session, organization, f"user{k}@okta.local", at=noon(day), on=day)
        if shape == "spike" and k == DAYS // 2:
            extras = [
                gen_member(session, organization, f"extra{n}@okta.local", at=noon(day), on=day)
                for n in range(SPIKE)
            ]
            for member in extras:
                release_seat(session, member, at=noon(day), on=day)
