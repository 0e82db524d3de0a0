"""How much the gateway tolerates from identity providers, and how it compares strings."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext as _
from scim2_models import InvalidPathException, PatchOp, PatchOperation, Path, ScimPolicy
from scim2_models.path import AttrPath

from .literals import check_literals, check_types


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


def check_patch(patch: PatchOp[Any], model: Any) -> None:
    """Refuse a PATCH path that names nothing; read Entra's member removal as it means it.

    A path under a schema URN that no schema here declares is an IdP's own attribute:
    POLICY drops it and the operation changes nothing. Any other path naming no attribute
    is a mistake and gets invalidPath (RFC 7644 §3.5.2).

    :raises InvalidPathException: for a path naming no attribute of a declared schema.
    :raises InvalidFilterException: for a value filter holding a literal the string rule
        refuses (with an unmatched filter, the operation would store it: POLICY), or one of
        another type than its attribute.
    """
    declared = {str(model.__schema__).lower(), *map(str.lower, model.get_extension_models())}
    for operation in patch.operations or []:
        if operation.path:
            path = Path[model](operation.path)  # type: ignore[misc]
            if not isinstance(path.ast, AttrPath | None):
                check_literals(path.ast)
                check_types(path.ast, model)
            _check_path(path, declared)
        if operation.op == PatchOperation.Op.remove and isinstance(operation.value, list):
            operation.value = [_without_nulls(entry) for entry in operation.value]


def _check_path(path: Any, declared: set[str]) -> None:
    if path.model is not None or path.resolve() is not None:
        return
    if path.schema is not None and path.schema.lower() not in declared:
        return
    raise InvalidPathException(
        path=str(path), detail=_("'%(path)s' is no attribute of this resource.", path=str(path))
    )


def _without_nulls(entry: Any) -> Any:
    """Drop the null keys of a remove value: they leave a sub-attribute out, not ask for none.

    Entra sends `{"$ref": null, "value": "<id>"}`; scim2-models selects by every key, so
    `$ref eq null` would match no member, and the removal would silently remove nobody.
    Null is "unassigned" (RFC 7643 §2.5): it selects nothing, so only "value" is compared.
    """
    if not isinstance(entry, dict):
        return entry
    return {key: value for key, value in entry.items() if value is not None}
