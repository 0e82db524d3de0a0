"""Refused people remembered as seat requests: one recorder for SCIM, SSO and the sign-in hook.

Views do not catch refusals. A refusal leaves the view's transaction, which rolls back, and
reaches its blueprint's error handler, which calls remember() and then answers in the
blueprint's own format: a SCIM Error, problem JSON or the HTML refusal page.
"""

from __future__ import annotations

import logging

from seat_core import Refusal, record_request
from seat_core.models import Organization

from . import metrics
from .clock import now
from .db import transaction

log = logging.getLogger("scim_gateway.refusals")


def remember(refusal: Refusal, *, channel: str) -> int | None:
    """Record who was refused as a seat request, in a transaction of its own; return its id.

    The refused request's transaction has rolled back by now: the seat request and its
    alert are written apart, so that they survive it. A refusal naming nobody, such as an
    unverified email, records nothing. Each one recorded is counted and logged.
    """
    if refusal.requester is None or refusal.organization_id is None:
        return None
    metrics.seat_refused(channel=channel, reason=refusal.reason)
    log.info("seat refused: %s", refusal.message, extra={"event": "seat.refused"})
    with transaction() as session:
        organization = session.get_one(Organization, refusal.organization_id)
        request = record_request(
            session, organization, refusal.requester, channel=channel, at=now()
        )
        return request.id
