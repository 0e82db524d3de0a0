"""The tokens' rules in seat_core: lifetime, state, notices, and the last use once a minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from seat_core import (
    LifetimeConflict,
    add_owner,
    expiry_of,
    notify_token_expiry,
    record_use,
    token_state,
)
from seat_core.alerts import notice_days
from seat_core.models import ApiToken, Organization, Outbox
from tests.factories import gen_organization

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_token_lives_the_default_unless_given_days_or_told_never() -> None:
    assert expiry_of(at=AT, days=None, no_expiry=False, default_days=365) == AT + 365 * DAY
    assert expiry_of(at=AT, days=7, no_expiry=False, default_days=365) == AT + 7 * DAY
    assert expiry_of(at=AT, days=None, no_expiry=True, default_days=365) is None
    with pytest.raises(LifetimeConflict):
        expiry_of(at=AT, days=7, no_expiry=True, default_days=365)


def test_a_token_is_expired_from_its_expiry_on_and_revoked_before_all() -> None:
    assert token_state(revoked_at=None, expires_at=None, at=AT) == "live"
    assert token_state(revoked_at=None, expires_at=AT + DAY, at=AT) == "live"
    assert token_state(revoked_at=None, expires_at=AT, at=AT) == "expired"
    assert token_state(revoked_at=AT - DAY, expires_at=AT - DAY, at=AT) == "revoked"


def test_the_notice_is_the_smallest_one_the_token_is_within() -> None:
    assert notice_days(AT + 31 * DAY, at=AT) is None
    assert notice_days(AT + 30 * DAY, at=AT) == 30
    assert notice_days(AT + 8 * DAY, at=AT) == 30
    assert notice_days(AT + 7 * DAY, at=AT) == 7
    assert notice_days(AT + timedelta(minutes=1), at=AT) == 7
    assert notice_days(AT, at=AT) is None
    assert notice_days(None, at=AT) is None


def token(session: Session, **values: object) -> ApiToken:
    organization = gen_organization(session)
    row = ApiToken(
        organization_id=organization.id,
        kind="scim",
        token_hash="h" * 64,
        prefix="scim_abcdefg",
        label="okta",
        created_at=AT,
        **values,
    )
    session.add(row)
    session.flush()
    return row


def test_the_last_use_moves_at_most_once_a_minute(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        token_id = token(session).id

    moved = []
    for seconds in (0, 1, 59, 61, 62):
        with sessions.begin() as session:
            moved.append(
                record_use(session, ApiToken, token_id, at=AT + timedelta(seconds=seconds))
            )

    with sessions() as session:
        last = session.get_one(ApiToken, token_id).last_used_at
    assert moved == [True, False, False, True, False]
    assert last == AT + timedelta(seconds=61)


def test_each_notice_of_a_scim_token_is_written_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        token_id = token(session, expires_at=AT + 40 * DAY).id

    written = []
    for day in (0, 10, 11, 12, 33, 34, 40, 41):
        with sessions.begin() as session:
            written.append(notify_token_expiry(session, at=AT + day * DAY))

    with sessions() as session:
        alerts = session.query(Outbox).filter(Outbox.event == "token.expiring").all()
    assert written == [0, 1, 0, 0, 1, 0, 0, 0]
    assert [a.payload["notice_days"] for a in alerts] == [30, 7]
    assert {a.payload["token_id"] for a in alerts} == {token_id}
    assert {a.payload["label"] for a in alerts} == {"okta"}


def test_an_owners_api_token_gets_its_own_notices_naming_its_kind_and_owner(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        scim = token(session, expires_at=AT + 20 * DAY)
        bob = add_owner(
            session, session.get_one(Organization, scim.organization_id),
            email="bob@acme.test", role="owner", at=AT,
        )  # fmt: skip
        api = ApiToken(
            organization_id=scim.organization_id, kind="api", owner_id=bob.id,
            token_hash="a" * 64, prefix="sgw_billing", label="billing-script",
            created_at=AT, expires_at=AT + 20 * DAY,
        )  # fmt: skip
        never = ApiToken(
            organization_id=scim.organization_id, kind="api", owner_id=bob.id,
            token_hash="b" * 64, prefix="sgw_forever", created_at=AT,
        )  # fmt: skip
        session.add_all([api, never])
        session.flush()
        ids = (scim.id, api.id)

    with sessions.begin() as session:
        written = notify_token_expiry(session, at=AT)
    with sessions.begin() as session:
        again = notify_token_expiry(session, at=AT + DAY)

    with sessions() as session:
        alerts = session.query(Outbox).filter(Outbox.event == "token.expiring").all()
    assert (written, again) == (2, 0)
    by_token = {a.payload["token_id"]: a.payload for a in alerts}
    assert set(by_token) == set(ids)
    assert (by_token[ids[0]]["kind"], by_token[ids[0]]["owner"]) == ("scim", None)
    assert (by_token[ids[1]]["kind"], by_token[ids[1]]["owner"]) == ("api", "bob@acme.test")
    assert by_token[ids[1]]["label"] == "billing-script"
