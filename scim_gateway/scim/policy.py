"""How much the gateway tolerates from identity providers, and how it compares strings."""

from __future__ import annotations

import unicodedata
from typing import Any

from scim2_models import ScimPolicy


def comparison_key(binding: Any, value: str) -> str:
    """Return the form strings are compared in: NFKC and casefold unless caseExact.

    The same rule as seat_core.identity_key, so that a filter evaluated in memory and the
    user_name_key column agree on what "equal" means (RFC 7644 §3.4.2.2 leaves it to us).
    """
    normalized = unicodedata.normalize("NFKC", value)
    if getattr(binding, "case_exact", False):
        return normalized
    return unicodedata.normalize("NFKC", normalized.casefold())


# Entra and Okta depart from RFC 7644 in documented ways; each tolerance is named here
# rather than patched into the views:
# - Entra removes group members with `"op": "Remove", "path": "members", "value": [...]`,
#   where the RFC reads the target of a remove from its path only;
# - Entra writes `emails[type eq "work"].value` to users that have no work email yet;
# - both send attributes (and schema URNs) of their own that no schema here declares:
#   they are dropped instead of failing the whole provisioning cycle.
# Capitalised operations ("Replace") and string booleans ("False") are read by
# scim2-models and pydantic as they come.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
    comparison_key=comparison_key,
)
