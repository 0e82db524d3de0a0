"""Every alert the worker sends says exactly what it said when its texts were recorded.

The expected texts in alert_texts.json were written by the code before its builders were
split per event; regenerate them only for a change of wording meant to be seen:
`python -m tests.unit.test_alert_texts > tests/unit/alert_texts.json`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import scim_gateway
from scim_gateway import i18n
from scim_gateway.outbox.claims import Claim
from scim_gateway.outbox.messages import content_of, render_email, webhook_data

EXPECTED = Path(__file__).with_name("alert_texts.json")
AT = datetime(2025, 3, 8, 9, 30, tzinfo=UTC)

RUNS_OUT = {
    "basis": "runs_out", "runs_out_on": "2025-03-12", "seats_per_30_days": 30.0,
    "recommended_add": 294, "recommended_amount": "213097.40", "currency": "USD",
    "term_end": "2026-01-01", "history_days": 36,
}  # fmt: skip
ANN = {"identity": "ann@acme.test", "display_name": "Ann Lee", "email": "ann@acme.test"}
BOB = {"identity": "bob@acme.test", "display_name": "bob@acme.test", "email": None}
ZOE = {"identity": None, "display_name": "Zoe", "email": "zoe@acme.test"}
RENEWAL = {
    "term_end": "2026-01-01", "days_left": 30, "seats_in_use": 37, "seats_purchased": 40,
    "renewal_seats": 37, "amount": "78845.89", "currency": "EUR",
}  # fmt: skip
INVOICE = {
    "invoice_id": 7, "invoice_number": "INV-2025-0007", "amount": "17758.08",
    "currency": "USD", "seats_purchased": 50, "issued_on": "2025-03-01",
}  # fmt: skip


def dormant(user_name: str, display_name: str | None, reclaim_on: str) -> dict[str, Any]:
    return {
        "member_id": len(user_name), "user_name": user_name, "display_name": display_name,
        "last_active": "2024-12-01", "reclaim_on": reclaim_on,
    }  # fmt: skip


# Every event kind the worker renders, with payloads as seat_core writes them, and each
# branch of the wording: full or not, each forecast basis, each refusal reason, one or many.
# fmt: off
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "threshold-80-no-forecast": (
        "usage.threshold", {"seats_in_use": 32, "seats_purchased": 40, "threshold": 80}
    ),
    "threshold-100-full": (
        "usage.threshold", {"seats_in_use": 40, "seats_purchased": 40, "threshold": 100}
    ),
    "threshold-90-runs-out": (
        "usage.threshold",
        {"seats_in_use": 36, "seats_purchased": 40, "threshold": 90, "forecast": RUNS_OUT},
    ),
    "threshold-80-not-enough-history": (
        "usage.threshold",
        {"seats_in_use": 8, "seats_purchased": 10, "threshold": 80, "forecast": {
            "basis": "not_enough_history", "runs_out_on": None, "seats_per_30_days": 7.5,
            "recommended_add": None, "history_days": 8,
        }},
    ),
    "threshold-80-lasts-the-term": (
        "usage.threshold",
        {"seats_in_use": 80, "seats_purchased": 100, "threshold": 80, "forecast": {
            "basis": "lasts_the_term", "seats_per_30_days": 0.5, "term_end": "2026-01-01",
            "recommended_add": 0,
        }},
    ),
    "threshold-80-not-growing": (
        "usage.threshold",
        {"seats_in_use": 8, "seats_purchased": 10, "threshold": 80, "forecast": {
            "basis": "not_growing", "seats_per_30_days": -1.25,
        }},
    ),
    "threshold-80-unknown-basis": (
        "usage.threshold",
        {"seats_in_use": 9, "seats_purchased": 10, "threshold": 80, "forecast": {
            "basis": "something_new", "seats_per_30_days": 2,
        }},
    ),
    "threshold-90-over-full": (
        "usage.threshold",
        {"seats_in_use": 12, "seats_purchased": 10, "threshold": 90, "forecast": None},
    ),
    "refused-sso-no-seat-counted": (
        "seat.refused",
        {**ANN, "channel": "sso", "reason": "no_seat", "seats_in_use": 40,
         "seats_purchased": 40, "request_id": 3, "attempts": 1},
    ),
    "refused-scim-no-seat-uncounted": (
        "seat.refused",
        {**BOB, "channel": "scim", "reason": "no_seat", "seats_in_use": None,
         "seats_purchased": None},
    ),
    "refused-contract-expired": (
        "seat.refused", {**ANN, "channel": "scim", "reason": "contract_expired"}
    ),
    "refused-jit-disabled": ("seat.refused", {**ZOE, "channel": "sso", "reason": "jit_disabled"}),
    "refused-no-reason": ("seat.refused", {"channel": None, "reason": None}),
    "refused-unknown-reason": (
        "seat.refused", {**ANN, "channel": "sso", "reason": "domain_not_allowed"}
    ),
    "digest-many": (
        "seat.refused.digest",
        {"refusals": 9, "people_count": 5, "people": [
            {**ANN, "channel": "sso", "refusals": 4}, {**BOB, "channel": "scim", "refusals": 3},
            {**ZOE, "channel": "sso", "refusals": 1},
        ], "window_start": "2025-03-08T09:00:00+00:00", "window_end": "2025-03-08T10:00:00+00:00"},
    ),
    "digest-one-person": (
        "seat.refused.digest",
        {"refusals": "2", "people": [{**ANN, "channel": "sso", "refusals": 2}]},
    ),
    "digest-no-people": ("seat.refused.digest", {"refusals": 1, "people_count": 1, "people": None}),
    "purchased-many": ("seats.purchased", INVOICE),
    "purchased-one": (
        "seats.purchased", {**INVOICE, "seats_purchased": 1, "amount": "9.50", "currency": "EUR"}
    ),
    "renewal-upcoming": ("renewal.upcoming", RENEWAL),
    "renewal-upcoming-one-seat": (
        "renewal.upcoming", {**RENEWAL, "renewal_seats": 1, "days_left": 1}
    ),
    "contract-expiring": ("contract.expiring", {**RENEWAL, "days_left": 12}),
    "certificate-expiring": (
        "sso.certificate_expiring",
        {"idp_entity_id": "https://idp.example/saml", "expires_at": "2025-04-07T12:00:00+00:00",
         "days_left": 30},
    ),
    "token-expiring-labelled": (
        "token.expiring",
        {"token_id": 4, "label": "Okta", "prefix": "sgw_ab12", "notice_days": 30,
         "expires_at": "2025-04-07T00:00:00+00:00", "days_left": 30},
    ),
    "token-expiring-unlabelled": (
        "token.expiring",
        {"token_id": 5, "label": None, "prefix": "sgw_cd34", "notice_days": 7,
         "expires_at": "2025-03-15T08:00:00+00:00", "days_left": 6},
    ),
    "token-expiring-bare": ("token.expiring", {"expires_at": "2025-03-15", "days_left": 7}),
    "token-expiring-api": (
        "token.expiring",
        {"token_id": 6, "kind": "api", "owner": "bob@acme.test", "label": "billing-script",
         "prefix": "sgw_ef56", "notice_days": 30, "expires_at": "2025-04-07T00:00:00+00:00",
         "days_left": 30},
    ),
    "token-expiring-api-unowned": (
        "token.expiring",
        {"token_id": 7, "kind": "api", "owner": None, "label": None, "prefix": "sgw_gh78",
         "notice_days": 7, "expires_at": "2025-03-15T08:00:00+00:00", "days_left": 6},
    ),
    "contract-renewed": (
        "contract.renewed", {**INVOICE, "term_start": "2025-01-01", "term_end": "2026-01-01"}
    ),
    "contract-renewed-one-seat": (
        "contract.renewed",
        {**INVOICE, "seats_purchased": 1, "term_start": "2025-01-01", "term_end": "2026-01-01"},
    ),
    "contract-expired": ("contract.expired", {"term_end": "2025-03-01"}),
    "reclaim-upcoming-many": (
        "seats.reclaim_upcoming",
        {"reclaim_after_days": 90, "on": "2025-03-08", "people_count": 4, "people": [
            dormant("carl@acme.test", "Carl", "2025-03-16"),
            dormant("dora@acme.test", None, "2025-03-15"),
            dormant("eve@acme.test", "eve@acme.test", "2025-03-17"),
        ]},
    ),
    "reclaim-upcoming-one": (
        "seats.reclaim_upcoming",
        {"reclaim_after_days": 60, "on": "2025-03-08",
         "people": [dormant("fay@acme.test", "Fay", "2025-03-15")]},
    ),
    "reclaim-upcoming-nobody-listed": (
        "seats.reclaim_upcoming",
        {"reclaim_after_days": 30, "on": "2025-03-08", "people_count": 2, "people": []},
    ),
    "webhook-test": ("webhook.test", {"endpoint_url": "https://hooks.example/seats"}),
    "unknown-event": ("something.else", {}),
}
# fmt: on


def claim_of(event: str, payload: dict[str, Any]) -> Claim:
    return Claim(
        delivery_id=1, channel="email", recipient="ann@acme.test", endpoint_id=None, url=None,
        secret_encrypted=None, attempts=0, started_at=AT, lease_until=AT, event=event,
        payload=payload, message_id="m1", created_at=AT, organization_slug="acme",
        organization_name="Acme & Co",
    )  # fmt: skip


def texts_of(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return what one alert says: its content, its two mail bodies and its webhook summary."""
    claim = claim_of(event, payload)
    content = content_of(claim, "https://seats.example")
    app = Flask(scim_gateway.__name__)  # the package's templates, as the worker renders them
    i18n.init_app(app)
    with app.app_context():
        text, html = render_email(content)
    data = webhook_data(claim, content)
    return {
        **json.loads(json.dumps(asdict(content))),
        "text": text,
        "html_sha256": hashlib.sha256(html.encode()).hexdigest(),
        "webhook": {"summary": data["summary"], "url": data["url"]},
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_alert_says_exactly_what_it_said(case):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))

    assert texts_of(*CASES[case]) == expected[case]


def test_every_event_named_on_the_alerts_page_has_a_recorded_text():
    from scim_gateway.admin.alerts import EVENT_NAMES

    recorded = {event for event, _ in CASES.values()}

    assert set(EVENT_NAMES) <= recorded
    assert set(json.loads(EXPECTED.read_text(encoding="utf-8"))) == set(CASES)


if __name__ == "__main__":
    texts = {case: texts_of(*CASES[case]) for case in sorted(CASES)}
    print(json.dumps(texts, indent=1, ensure_ascii=False))
