"""SQLAlchemy models of the seat core, one registry for all of them."""

from .alerts import (
    DEFAULT_THRESHOLDS,
    AlertDelivery,
    AlertRecipient,
    AlertSettings,
    Outbox,
    RefusalWindow,
    ThresholdState,
    WebhookEndpoint,
)
from .base import MAX_ID, NAMING, Base, UtcDateTime, new_id
from .contracts import (
    Contract,
    ContractTerm,
    IdempotencyKey,
    Invoice,
    InvoiceLine,
    Organization,
    Seat,
    SeatRequest,
)
from .events import ACTOR_TYPES, EVENT_TYPES, Event
from .operators import (
    Operator,
    OperatorLink,
    OperatorSession,
    OperatorToken,
    OrganizationKey,
    OwnerInvitation,
)
from .people import (
    ApiToken,
    GroupMembership,
    Member,
    Owner,
    SamlAssertion,
    ScimGroup,
    SsoConfig,
)
from .policy import MIN_RECLAIM_DAYS, PolicyGroup, SeatPolicy
from .sessions import SignInFlow, WebSession

__all__ = [
    "ACTOR_TYPES",
    "DEFAULT_THRESHOLDS",
    "EVENT_TYPES",
    "MAX_ID",
    "MIN_RECLAIM_DAYS",
    "NAMING",
    "AlertDelivery",
    "AlertRecipient",
    "AlertSettings",
    "ApiToken",
    "Base",
    "Contract",
    "ContractTerm",
    "Event",
    "GroupMembership",
    "IdempotencyKey",
    "Invoice",
    "InvoiceLine",
    "Member",
    "Operator",
    "OperatorLink",
    "OperatorSession",
    "OperatorToken",
    "Organization",
    "OrganizationKey",
    "Outbox",
    "Owner",
    "OwnerInvitation",
    "PolicyGroup",
    "RefusalWindow",
    "SamlAssertion",
    "ScimGroup",
    "Seat",
    "SeatPolicy",
    "SeatRequest",
    "SignInFlow",
    "SsoConfig",
    "ThresholdState",
    "UtcDateTime",
    "WebSession",
    "WebhookEndpoint",
    "new_id",
]
