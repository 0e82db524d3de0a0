"""Eight identical requests at once to every write endpoint, through gunicorn: no 5xx.

On SQLite, on PostgreSQL, and on PostgreSQL through PgBouncer in transaction mode.

IdPs retry, browsers double-submit, and two tabs finish one sign-in together. Whatever
arrives together, one request wins and the others get the documented answer (409, 412, 404
or a replay), and the state read back afterwards is what one request alone would leave.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from scim_gateway.tokens import issue_token
from seat_core import contract_of, get_organization, make_sessionmaker, policy_of
from seat_core.models import ApiToken, Invoice, Member, ScimGroup, SeatRequest
from tests.api.admin.conftest import CHEAP_HASH, PASSWORD
from tests.databases import (
    POSTGRES_ADMIN_URL,
    engine_for,
    fresh_sqlite,
    mark_pooled,
    pooler_of,
    postgres_database,
)
from tests.factories import gen_organization, gen_owner
from tests.support.pgbouncer import start_pgbouncer, through
from tests.support.servers import PATIENT_STARTUP, start_gunicorn

AT_ONCE = 8
TIMEOUT = 60
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
SECRET = "identical-requests-secret"

# One gateway per database serves the module; each test has an organization of its own.
pytestmark = pytest.mark.xdist_group("identical-requests")


@dataclass
class Org:
    """An organization on a served gateway: its slug, tokens and the database under it."""

    url: str
    base: str
    slug: str
    scim: str
    primary: str

    def scim_headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.scim}", **extra}

    def api_headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.primary}", **extra}

    def read(self, read: Callable[[Any, int], Any]) -> Any:
        """Run read(session, organization id) on the database and return what it returns."""
        engine = engine_for(self.url)
        try:
            with make_sessionmaker(engine)() as session:
                return read(session, get_organization(session, self.slug).id)
        finally:
            engine.dispose()


def at_once(send: Callable[[], requests.Response]) -> list[requests.Response]:
    """Send the same request AT_ONCE times together; return the responses."""
    start = threading.Barrier(AT_ONCE)

    def one(_: int) -> requests.Response:
        start.wait(timeout=TIMEOUT)
        return send()

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        responses = list(pool.map(one, range(AT_ONCE)))
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, errors
    return responses


def statuses(responses: list[requests.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def environment(url: str) -> dict[str, str]:
    return {
        "SCIM_GATEWAY_DATABASE_URL": url,
        "SCIM_GATEWAY_DATABASE_POOLER": pooler_of(url),
        "SCIM_GATEWAY_SECRET_KEY": SECRET,
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        "SCIM_GATEWAY_LOGIN_RATE_LIMIT": "1000/minute",
    }


@pytest.fixture(scope="module")
def sqlite_gateway(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("identical"))
    with start_gunicorn(environment(url), workers=4, startup_timeout=PATIENT_STARTUP) as base:
        yield url, base


@pytest.fixture(scope="module")
def postgresql_gateway() -> Iterator[tuple[str, str]]:
    with (
        postgres_database() as url,
        start_gunicorn(environment(url), workers=4, startup_timeout=PATIENT_STARTUP) as base,
    ):
        yield url, base


@pytest.fixture(scope="module")
def pgbouncer_gateway() -> Iterator[tuple[str, str]]:
    with postgres_database() as direct, start_pgbouncer(POSTGRES_ADMIN_URL) as port:
        url = through(direct, port)
        mark_pooled(url)
        with start_gunicorn(environment(url), workers=4, startup_timeout=PATIENT_STARTUP) as base:
            yield url, base


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("pgbouncer", marks=[pytest.mark.postgres, pytest.mark.pgbouncer]),
    ],
)
def gateway(request: pytest.FixtureRequest) -> tuple[str, str]:
    pair: tuple[str, str] = request.getfixturevalue(f"{request.param}_gateway")
    return pair


@pytest.fixture
def org(gateway: tuple[str, str], request: pytest.FixtureRequest) -> Org:
    """A fresh organization with 5 seats, its SCIM token and its Primary Owner's API token."""
    url, base = gateway
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[-40:].strip("-")
    at = datetime.now(UTC)
    engine = engine_for(url)
    with make_sessionmaker(engine).begin() as session:
        organization = gen_organization(
            session, slug=slug, seats=5, start=at.date().replace(day=1), at=at
        )
        owner = gen_owner(session, organization, f"ann@{slug}.test", password_hash=CHEAP_HASH)
        _, scim = issue_token(session, organization, kind="scim", at=at)
        _, api = issue_token(session, organization, kind="api", at=at, owner_id=owner.id)
    engine.dispose()
    return Org(url=url, base=base, slug=slug, scim=scim, primary=api)


def create_user(org: Org, name: str, **attributes: Any) -> dict[str, Any]:
    body = {"schemas": [USER], "userName": name, **attributes}
    response = requests.post(
        f"{org.base}/scim/v2/Users", json=body, headers=org.scim_headers(), timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def seats_used(org: Org) -> int:
    return int(org.read(lambda s, o: contract_of(s, o).seats_used))


def members(org: Org) -> list[tuple[str, bool]]:
    return list(
        org.read(
            lambda s, o: s.execute(
                select(Member.user_name, Member.active).where(Member.organization_id == o)
            ).all()
        )
    )


def test_eight_creates_of_one_user_make_one_member_and_seven_conflicts(org: Org) -> None:
    body = {"schemas": [USER], "userName": "ann@acme.test"}

    responses = at_once(
        lambda: requests.post(
            f"{org.base}/scim/v2/Users", json=body, headers=org.scim_headers(), timeout=TIMEOUT
        )
    )

    assert statuses(responses) == {201: 1, 409: 7}
    assert all(r.json()["scimType"] == "uniqueness" for r in responses if r.status_code == 409)
    assert members(org) == [("ann@acme.test", True)]
    assert seats_used(org) == 1


def test_eight_puts_with_one_version_let_one_through_and_refuse_seven_with_412(
    org: Org,
) -> None:
    user = create_user(org, "ann@acme.test")
    body = {"schemas": [USER], "userName": "ann@acme.test", "displayName": "Ann", "active": False}
    headers = org.scim_headers(**{"If-Match": user["meta"]["version"]})

    responses = at_once(
        lambda: requests.put(
            f"{org.base}/scim/v2/Users/{user['id']}", json=body, headers=headers, timeout=TIMEOUT
        )
    )

    assert statuses(responses) == {200: 1, 412: 7}
    assert members(org) == [("ann@acme.test", False)]
    assert seats_used(org) == 0


def test_eight_patches_deactivating_one_user_release_its_seat_once(org: Org) -> None:
    user = create_user(org, "ann@acme.test")
    create_user(org, "bob@acme.test")
    body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]}

    responses = at_once(
        lambda: requests.patch(
            f"{org.base}/scim/v2/Users/{user['id']}",
            json=body,
            headers=org.scim_headers(),
            timeout=TIMEOUT,
        )
    )

    assert statuses(responses) == {200: 8}
    assert sorted(members(org)) == [("ann@acme.test", False), ("bob@acme.test", True)]
    assert seats_used(org) == 1


def test_eight_deletes_of_one_user_delete_it_once_and_find_it_gone_seven_times(
    org: Org,
) -> None:
    user = create_user(org, "ann@acme.test")
    create_user(org, "bob@acme.test")

    responses = at_once(
        lambda: requests.delete(
            f"{org.base}/scim/v2/Users/{user['id']}", headers=org.scim_headers(), timeout=TIMEOUT
        )
    )

    assert statuses(responses) == {204: 1, 404: 7}
    assert members(org) == [("bob@acme.test", True)]
    assert seats_used(org) == 1


def group_names(org: Org) -> list[str]:
    return list(
        org.read(
            lambda s, o: s.scalars(
                select(ScimGroup.display_name).where(ScimGroup.organization_id == o)
            ).all()
        )
    )


def create_group(org: Org, name: str) -> dict[str, Any]:
    response = requests.post(
        f"{org.base}/scim/v2/Groups",
        json={"schemas": [GROUP], "displayName": name},
        headers=org.scim_headers(),
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def group_members(org: Org, group_id: str) -> list[str]:
    response = requests.get(
        f"{org.base}/scim/v2/Groups/{group_id}", headers=org.scim_headers(), timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return sorted(m["value"] for m in response.json().get("members", []))


def test_eight_creates_of_one_group_make_one_group_and_seven_conflicts(org: Org) -> None:
    body = {"schemas": [GROUP], "displayName": "Engineering"}

    responses = at_once(
        lambda: requests.post(
            f"{org.base}/scim/v2/Groups", json=body, headers=org.scim_headers(), timeout=TIMEOUT
        )
    )

    assert statuses(responses) == {201: 1, 409: 7}
    assert group_names(org) == ["Engineering"]


def test_eight_puts_of_one_group_with_one_version_let_one_through(org: Org) -> None:
    group = create_group(org, "Engineering")
    user = create_user(org, "ann@acme.test")
    body = {"schemas": [GROUP], "displayName": "Platform", "members": [{"value": user["id"]}]}
    headers = org.scim_headers(**{"If-Match": group["meta"]["version"]})

    responses = at_once(
        lambda: requests.put(
            f"{org.base}/scim/v2/Groups/{group['id']}", json=body, headers=headers, timeout=TIMEOUT
        )
    )

    assert statuses(responses) == {200: 1, 412: 7}
    assert group_names(org) == ["Platform"]
    assert group_members(org, group["id"]) == [user["id"]]


def test_eight_patches_adding_one_member_to_a_group_add_it_once(org: Org) -> None:
    group = create_group(org, "Engineering")
    user = create_user(org, "ann@acme.test")
    body = {
        "schemas": [PATCH],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": user["id"]}]}],
    }

    responses = at_once(
        lambda: requests.patch(
            f"{org.base}/scim/v2/Groups/{group['id']}",
            json=body,
            headers=org.scim_headers(),
            timeout=TIMEOUT,
        )
    )

    assert statuses(responses) - Counter({200: 8, 204: 8}) == Counter()
    assert group_members(org, group["id"]) == [user["id"]]


def test_eight_patches_removing_one_member_from_a_group_remove_it_once(org: Org) -> None:
    group = create_group(org, "Engineering")
    ann, bob = create_user(org, "ann@acme.test"), create_user(org, "bob@acme.test")
    add = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": ann["id"]}, {"value": bob["id"]}]}
        ],
    }
    added = requests.patch(
        f"{org.base}/scim/v2/Groups/{group['id']}",
        json=add,
        headers=org.scim_headers(),
        timeout=TIMEOUT,
    )
    assert added.status_code in (200, 204), added.text
    remove = {
        "schemas": [PATCH],
        "Operations": [{"op": "remove", "path": f'members[value eq "{ann["id"]}"]'}],
    }

    responses = at_once(
        lambda: requests.patch(
            f"{org.base}/scim/v2/Groups/{group['id']}",
            json=remove,
            headers=org.scim_headers(),
            timeout=TIMEOUT,
        )
    )

    assert statuses(responses) - Counter({200: 8, 204: 8}) == Counter()
    assert group_members(org, group["id"]) == [bob["id"]]


def test_eight_deletes_of_one_group_delete_it_once(org: Org) -> None:
    group = create_group(org, "Engineering")

    responses = at_once(
        lambda: requests.delete(
            f"{org.base}/scim/v2/Groups/{group['id']}", headers=org.scim_headers(), timeout=TIMEOUT
        )
    )

    assert statuses(responses) == {204: 1, 404: 7}
    assert group_names(org) == []


def sign_in(org: Org) -> requests.Response:
    return requests.post(
        f"{org.base}/api/v1/orgs/{org.slug}/sign-ins",
        json={"issuer": "https://idp.example", "sub": "ann-1", "email": "ann@acme.test"},
        headers=org.api_headers(),
        timeout=TIMEOUT,
    )


def test_eight_first_sign_ins_of_one_person_create_one_member_holding_one_seat(
    org: Org,
) -> None:
    responses = at_once(lambda: sign_in(org))

    assert statuses(responses) == {200: 8}, [r.text for r in responses if r.status_code != 200]
    assert [r.json()["created"] for r in responses].count(True) == 1
    assert len({r.json()["member"]["id"] for r in responses}) == 1
    assert members(org) == [("ann@acme.test", True)]
    assert seats_used(org) == 1


def purchase(org: Org, **headers: str) -> requests.Response:
    return requests.post(
        f"{org.base}/api/v1/orgs/{org.slug}/seats/purchases",
        json={"seats": 2},
        headers=org.api_headers(**headers),
        timeout=TIMEOUT,
    )


def invoices(org: Org) -> list[str]:
    return list(
        org.read(
            lambda s, o: s.scalars(select(Invoice.number).where(Invoice.organization_id == o)).all()
        )
    )


def seats_purchased(org: Org) -> int:
    return int(org.read(lambda s, o: contract_of(s, o).seats_purchased))


def test_eight_purchases_with_one_idempotency_key_buy_once(org: Org) -> None:
    responses = at_once(lambda: purchase(org, **{"Idempotency-Key": "double-click"}))

    counts = statuses(responses)
    # The first buys; the others replay it (201, marked) or, while it is still running,
    # are told to retry (409).
    assert counts[201] >= 1 and counts[201] + counts[409] == 8
    fresh = [
        r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    ]
    assert len(fresh) == 1
    numbers = {r.json()["number"] for r in responses if r.status_code == 201}
    assert numbers == set(invoices(org)) and len(numbers) == 1
    assert seats_purchased(org) == 7


def test_eight_purchases_without_an_idempotency_key_are_all_refused(org: Org) -> None:
    responses = at_once(lambda: purchase(org))

    assert statuses(responses) == {400: 8}
    assert invoices(org) == []
    assert seats_purchased(org) == 5


def test_eight_puts_of_one_seat_policy_leave_that_policy(org: Org) -> None:
    policy = {"licensed_groups": ["Engineering"], "reclaim_after_days": 60, "exempt_groups": []}

    responses = at_once(
        lambda: requests.put(
            f"{org.base}/api/v1/orgs/{org.slug}/seat-policy",
            json=policy,
            headers=org.api_headers(),
            timeout=TIMEOUT,
        )
    )

    assert statuses(responses) == {200: 8}
    assert org.read(lambda s, o: policy_of(s, o).as_json()) == policy


def owner_session(org: Org) -> tuple[requests.Session, str]:
    """Sign the Primary Owner in through the form; return the session and its CSRF token."""
    browser = requests.Session()
    login = f"{org.base}/admin/{org.slug}/login"
    token = _csrf(browser.get(login, timeout=TIMEOUT).text)
    signed_in = browser.post(
        login,
        data={"email": f"ann@{org.slug}.test", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert signed_in.status_code == 302, signed_in.text
    page = browser.get(f"{org.base}/admin/{org.slug}/seat-requests", timeout=TIMEOUT)
    return browser, _csrf(page.text)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_post(browser: requests.Session, url: str, token: str) -> Callable[[], requests.Response]:
    # One cookie jar, copied per request: requests.Session is not safe across threads.
    cookies = browser.cookies.get_dict()
    return lambda: requests.post(
        url, data={"csrf_token": token}, cookies=cookies, allow_redirects=False, timeout=TIMEOUT
    )


def test_eight_unassigns_of_one_member_free_its_seat_once(org: Org) -> None:
    user = create_user(org, "ann@acme.test")
    create_user(org, "bob@acme.test")
    browser, token = owner_session(org)
    url = f"{org.base}/admin/{org.slug}/members/{user['id']}/unassign"

    responses = at_once(form_post(browser, url, token))

    assert statuses(responses) == {302: 8}
    assert sorted(members(org)) == [("ann@acme.test", False), ("bob@acme.test", True)]
    assert seats_used(org) == 1


def test_eight_admits_of_one_seat_request_admit_it_once(org: Org) -> None:
    for index in range(5):
        create_user(org, f"user{index}@acme.test")
    refused = sign_in(org)
    assert refused.status_code == 403, refused.text
    first = members(org)[0][0]
    user_id = requests.get(
        f"{org.base}/scim/v2/Users",
        params={"filter": f'userName eq "{first}"'},
        headers=org.scim_headers(),
        timeout=TIMEOUT,
    ).json()["Resources"][0]["id"]
    browser, token = owner_session(org)
    freed = form_post(browser, f"{org.base}/admin/{org.slug}/members/{user_id}/unassign", token)()
    assert freed.status_code == 302
    request_id = org.read(
        lambda s, o: s.scalar(select(SeatRequest.id).filter_by(organization_id=o))
    )
    url = f"{org.base}/admin/{org.slug}/seat-requests/{request_id}/admit"

    responses = at_once(form_post(browser, url, token))

    assert statuses(responses) == {302: 8}
    assert org.read(lambda s, o: s.scalar(select(SeatRequest.status).filter_by(id=request_id))) == (
        "admitted"
    )
    assert ("ann@acme.test", True) in members(org)
    assert len(members(org)) == 6
    assert seats_used(org) == 5


def test_eight_token_issues_at_once_give_eight_working_tokens(org: Org) -> None:
    # Tokens are issued by the operator's CLI, which has no HTTP endpoint: eight of its
    # transactions run at once here, each on a connection of its own.
    engine = engine_for(org.url, pool_size=AT_ONCE)
    sessions = make_sessionmaker(engine)
    start = threading.Barrier(AT_ONCE)

    def issue(_: int) -> str:
        start.wait(timeout=TIMEOUT)
        with sessions.begin() as session:
            organization = get_organization(session, org.slug)
            _, secret = issue_token(session, organization, kind="scim", at=datetime.now(UTC))
        return secret

    try:
        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            secrets = list(pool.map(issue, range(AT_ONCE)))
    finally:
        engine.dispose()

    assert len(set(secrets)) == 8
    for secret in secrets:
        response = requests.get(
            f"{org.base}/scim/v2/Users",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
    kinds = org.read(
        lambda s, o: s.scalars(select(ApiToken.kind).where(ApiToken.organization_id == o)).all()
    )
    assert sorted(kinds) == ["api"] + ["scim"] * 9
