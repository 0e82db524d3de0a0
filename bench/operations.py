"""The operations measured, as plans of requests for the load generator."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from .client import Plan, Request
from .seed import ISSUER, Org, external_id, is_active, member_id, subject, user_name
from .users import user_body

SCIM = "/scim/v2"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CREATED = frozenset({201})
PAGE = 100


@dataclass(frozen=True)
class Operation:
    """A measured operation: its name, the labels it reports, and how to make its requests."""

    name: str
    labels: tuple[str, ...]
    headers: dict[str, str]
    plan: Plan


def scim_headers(org: Org) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {org.scim_token}",
        "Content-Type": "application/scim+json",
        "Accept": "application/scim+json",
    }


def api_headers(org: Org) -> dict[str, str]:
    return {"Authorization": f"Bearer {org.api_token}", "Content-Type": "application/json"}


def active_body(active: bool) -> bytes:
    """Return a PATCH body that sets active, as Entra ID and Okta send it."""
    operation = {"op": "replace", "path": "active", "value": active}
    return json.dumps({"schemas": [PATCH_SCHEMA], "Operations": [operation]}).encode()


def _random_lookups(members: int, make: Callable[[int], Request]) -> Plan:
    def plan(index: int, clients: int) -> Iterator[Request]:
        rng = random.Random(index)
        while True:
            yield make(rng.randrange(members))

    return plan


def lookups(org: Org, members: int) -> list[Operation]:
    """Return the read operations: the filters IdPs poll with, a read by id, a page."""
    headers = scim_headers(org)

    def by_user_name(i: int) -> Request:
        text = quote(f'userName eq "{user_name(org.slug, i)}"')
        return Request("GET userName", "GET", f"{SCIM}/Users?filter={text}")

    def by_external_id(i: int) -> Request:
        text = quote(f'externalId eq "{external_id(org.slug, i)}"')
        return Request("GET externalId", "GET", f"{SCIM}/Users?filter={text}")

    def by_id(i: int) -> Request:
        return Request("GET id", "GET", f"{SCIM}/Users/{member_id(org.slug, i)}")

    def a_page(i: int) -> Request:
        start = 1 + i % max(1, min(members, 1000) - PAGE + 1)
        return Request("GET page of 100", "GET", f"{SCIM}/Users?startIndex={start}&count={PAGE}")

    makers = {
        "GET userName": by_user_name,
        "GET externalId": by_external_id,
        "GET id": by_id,
        "GET page of 100": a_page,
    }
    return [
        Operation(label, (label,), headers, _random_lookups(members, make))
        for label, make in makers.items()
    ]


def sign_ins(org: Org, members: int) -> Operation:
    """Return sign-ins through the hook of members who hold a seat."""

    def plan(index: int, clients: int) -> Iterator[Request]:
        rng = random.Random(1000 + index)
        path = f"/api/v1/orgs/{org.slug}/sign-ins"
        while True:
            i = rng.randrange(members)
            if not is_active(i):
                continue
            body = {"issuer": ISSUER, "sub": subject(org.slug, i), "email": user_name(org.slug, i)}
            yield Request("sign-in hook", "POST", path, json.dumps(body).encode())

    return Operation("sign-in hook", ("sign-in hook",), api_headers(org), plan)


def deactivations(org: Org, members: int) -> Operation:
    """Return PATCHes that deactivate an active member, then reactivate it (a seat each)."""

    def plan(index: int, clients: int) -> Iterator[Request]:
        off, on = active_body(False), active_body(True)
        while True:
            for i in range(index, members, clients):
                if is_active(i):
                    path = f"{SCIM}/Users/{member_id(org.slug, i)}"
                    yield Request("PATCH deactivate", "PATCH", path, off)
                    yield Request("PATCH reactivate", "PATCH", path, on)

    return Operation(
        "PATCH deactivate / reactivate",
        ("PATCH deactivate", "PATCH reactivate"),
        scim_headers(org),
        plan,
    )


def creations(org: Org, tag: str) -> Operation:
    """Return POST /Users alternating active users (a seat each) and inactive ones (none).

    Interleaving both in one run measures them under the same load, so the difference of
    their latencies is the cost of the seat gate and not of a change in conditions.
    """

    def plan(index: int, clients: int) -> Iterator[Request]:
        sequence = 0
        while True:
            for active in (True, False):
                name = f"{tag}-{index}-{sequence}@{org.slug}.bench.example"
                label = "POST active" if active else "POST inactive"
                body = user_body(name, f"ext-{tag}-{index}-{sequence}", active=active)
                yield Request(label, "POST", f"{SCIM}/Users", body, CREATED)
                sequence += 1

    return Operation("POST /Users", ("POST active", "POST inactive"), scim_headers(org), plan)


def initial_sync(org: Org, users: int) -> Operation:
    """Return a first sync: `users` active users, each created once, shared by the clients."""

    def plan(index: int, clients: int) -> Iterator[Request]:
        for i in range(index, users, clients):
            name = user_name(org.slug, i)
            body = user_body(name, external_id(org.slug, i), active=True)
            yield Request("initial sync POST", "POST", f"{SCIM}/Users", body, CREATED)

    return Operation("initial sync", ("initial sync POST",), scim_headers(org), plan)


def activations(org: Org, members: int) -> list[Request]:
    """Return one PATCH active=true for each of the organization's inactive members."""
    body = active_body(True)
    return [
        Request(
            "seat race PATCH",
            "PATCH",
            f"{SCIM}/Users/{member_id(org.slug, i)}",
            body,
            frozenset({200, 403}),
        )
        for i in range(members)
    ]
