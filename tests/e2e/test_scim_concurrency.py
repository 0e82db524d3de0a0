"""Seats under concurrency, against gunicorn: never more seats handed out than paid for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from scim_gateway.tokens import issue_token
from seat_core import get_organization, make_sessionmaker, usage
from seat_core.models import Member, SeatRequest
from tests.databases import (
    POSTGRES_ADMIN_URL,
    engine_for,
    fresh_sqlite,
    mark_pooled,
    pooler_of,
    postgres_database,
)
from tests.factories import gen_organization
from tests.support.pgbouncer import start_pgbouncer, through
from tests.support.servers import PATIENT_STARTUP, start_gunicorn

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="


# One gateway per database serves the whole module (each test has its own organization):
# booting four workers is what takes time here.
pytestmark = pytest.mark.xdist_group("scim-concurrency")


def seed(url: str, *, seats: int, slug: str = "acme") -> str:
    """Create an organization whose term covers today on the database; return a SCIM token."""
    at = datetime.now(UTC)
    engine = engine_for(url)
    with make_sessionmaker(engine).begin() as session:
        organization = gen_organization(
            session, slug=slug, seats=seats, start=date.today() - timedelta(days=30), at=at
        )
        _, token = issue_token(session, organization, kind="scim", at=at)
    engine.dispose()
    return token


def environment(url: str) -> dict[str, str]:
    """Return the environment gunicorn runs the gateway with."""
    return {
        "SCIM_GATEWAY_DATABASE_URL": url,
        "SCIM_GATEWAY_DATABASE_POOLER": pooler_of(url),
        "SCIM_GATEWAY_SECRET_KEY": "scim-e2e-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
    }


@contextmanager
def gateways(url: str, *, instances: int = 1, workers: int = 4) -> Iterator[list[str]]:
    """Run instances of the gateway on one database; yield their base URLs."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                start_gunicorn(environment(url), workers=workers, startup_timeout=PATIENT_STARTUP)
            )
            for _ in range(instances)
        ]


def in_use(url: str, slug: str = "acme") -> tuple[int, int, int]:
    """Return seats in use, active members and pending seat requests, read from the database."""
    engine = engine_for(url)
    with make_sessionmaker(engine)() as session:
        organization = get_organization(session, slug)
        current = usage(session, organization)
        active = session.scalar(
            select(func.count())
            .select_from(Member)
            .filter_by(organization_id=organization.id, active=True)
        )
        pending = session.scalar(
            select(func.count())
            .select_from(SeatRequest)
            .filter_by(organization_id=organization.id, status="pending")
        )
    engine.dispose()
    return current.seats_in_use, active or 0, pending or 0


def scim_session(token: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def concurrently(calls: list[Callable[[], requests.Response]]) -> Counter[int]:
    """Send every call at once; return how many got each status."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return Counter(response.status_code for response in pool.map(lambda c: c(), calls))


def create_many(bases: list[str], token: str, count: int) -> Counter[int]:
    http = scim_session(token)

    def create(i: int) -> Callable[[], requests.Response]:
        body = {"schemas": [USER_SCHEMA], "userName": f"user{i}@acme.com", "active": True}
        return lambda: http.post(f"{bases[i % len(bases)]}/scim/v2/Users", json=body, timeout=60)

    return concurrently([create(i) for i in range(count)])


@pytest.fixture(scope="module")
def sqlite_served(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Run the gateway with four workers on a SQLite file; yield (url, base URL)."""
    url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("races"))
    with gateways(url) as (base,):
        yield url, base


@pytest.fixture(scope="module")
def postgresql_served() -> Iterator[tuple[str, str]]:
    """Run the gateway with four workers on a PostgreSQL database of its own."""
    with postgres_database() as url, gateways(url) as (base,):
        yield url, base


@pytest.fixture(scope="module")
def pgbouncer_served() -> Iterator[tuple[str, str]]:
    """Run the gateway on a PostgreSQL database of its own, through PgBouncer."""
    with postgres_database() as direct, start_pgbouncer(POSTGRES_ADMIN_URL) as port:
        url = through(direct, port)
        mark_pooled(url)
        with gateways(url) as (base,):
            yield url, base


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Each database's gateway in turn."""
    pair: tuple[str, str] = request.getfixturevalue(f"{request.param}_served")
    return pair


def test_sixty_concurrent_creates_get_exactly_the_ten_free_seats(
    served: tuple[str, str],
) -> None:
    url, base = served
    token = seed(url, seats=10, slug="creates")

    statuses = create_many([base], token, 60)

    assert statuses == Counter({201: 10, 403: 50})
    assert in_use(url, "creates") == (10, 10, 50)


# Several instances share PostgreSQL, straight or through a transaction-mode PgBouncer;
# SQLite is the database of one host.
@pytest.mark.postgres
@pytest.mark.parametrize(
    "route", ["postgresql", pytest.param("pgbouncer", marks=pytest.mark.pgbouncer)]
)
def test_two_instances_on_one_postgresql_share_the_ten_free_seats(
    route: str, request: pytest.FixtureRequest
) -> None:
    url, base = request.getfixturevalue(f"{route}_served")
    token = seed(url, seats=10, slug="instances")

    with gateways(url, workers=2) as (other,):
        statuses = create_many([base, other], token, 60)

    assert statuses == Counter({201: 10, 403: 50})
    assert in_use(url, "instances") == (10, 10, 50)


def test_concurrent_reactivations_take_only_the_free_seats(served: tuple[str, str]) -> None:
    url, base = served
    token = seed(url, seats=10, slug="returns")
    http = scim_session(token)
    ids = [
        http.post(
            f"{base}/scim/v2/Users",
            json={"schemas": [USER_SCHEMA], "userName": f"idle{i}", "active": False},
            timeout=30,
        ).json()["id"]
        for i in range(20)
    ]
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"}],
    }

    statuses = concurrently(
        [
            lambda user_id=user_id: http.patch(  # type: ignore[misc]
                f"{base}/scim/v2/Users/{user_id}", json=body, timeout=60
            )
            for user_id in ids
        ]
    )

    assert statuses == Counter({200: 10, 403: 10})
    assert in_use(url, "returns") == (10, 10, 10)
