"""Finding and uniqueness checks shared by the SCIM resource types."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, NamedTuple, TypeVar

from flask_babel import lazy_gettext as _l
from scim2_models import NotFoundException, UniquenessException
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from seat_core.fastpath import Prepared

from .auth import organization_id

Row = TypeVar("Row")

# How each database names a broken UNIQUE constraint: PostgreSQL's SQLSTATE, and the
# extended result code Python's sqlite3 reports as sqlite_errorname.
_UNIQUE_VIOLATIONS = {"23505", "SQLITE_CONSTRAINT_UNIQUE"}


# find()'s detail for each noun of a resource.
_NOT_FOUND = {"user": _l("No user %(id)s."), "group": _l("No group %(id)s.")}


def find(session: Session, model: type[Row], resource_id: str, *, noun: str, lock: bool) -> Row:
    """Return the organization's row of that id; another organization's is as absent as none."""
    query = select(model).where(
        model.id == resource_id,  # type: ignore[attr-defined]
        model.organization_id == organization_id(),  # type: ignore[attr-defined]
    )
    if lock:
        # Serializes concurrent writes to one resource on PostgreSQL; SQLite's BEGIN
        # IMMEDIATE already does.
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise NotFoundException(detail=str(_NOT_FOUND[noun]) % {"id": repr(resource_id)})
    return row


def ensure_unique(
    session: Session, key: InstrumentedAttribute[Any], row: Any, detail: Callable[[], str]
) -> None:
    """Refuse a row whose key another row of the organization already has; detail() is
    the error's text, made only then.

    :raises UniquenessException: when another row of the organization has the key.
    """
    # On the session's connection, which never flushes: flushing the row's new key first
    # would break the UNIQUE index before the question is even asked.
    parameters = {
        "organization_id": row.organization_id,
        "key": getattr(row, key.key),
        "id": row.id,
    }
    if _clash(key).first(session.connection(), parameters) is not None:
        raise UniquenessException(detail=detail())


class Clash(NamedTuple):
    """Another row of the organization holding the key."""

    id: Any


@cache
def _clash(key: InstrumentedAttribute[Any]) -> Prepared[Clash]:
    """Return the statement finding another row with the key, built once per key."""
    model = key.class_
    return Prepared(
        select(model.id)
        .where(
            model.organization_id == bindparam("organization_id"),
            key == bindparam("key"),
            model.id != bindparam("id"),
        )
        .limit(1),
        Clash,
    )


@contextmanager
def unique(key: InstrumentedAttribute[Any], detail: Callable[[], str]) -> Iterator[None]:
    """Tell a broken UNIQUE index on key, wherever it surfaces, as a uniqueness error whose
    text is detail(), made only then: translated on every write, it cost 5 % of a create.

    Two requests writing the same key at once both pass ensure_unique; the index refuses
    the second at a flush or at COMMIT. Wrap the whole transaction, so that both are
    caught after it has rolled back (on PostgreSQL the failed statement aborts it).
    """
    try:
        yield
    except IntegrityError as error:
        if not _violates(error, key):
            raise
        raise UniquenessException(detail=detail()) from None


def _violates(error: IntegrityError, key: InstrumentedAttribute[Any]) -> bool:
    """Tell whether an integrity error is a UNIQUE index on key refusing a duplicate."""
    cause = error.orig
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)
    # Both databases name the constraint's columns (SQLite) or the constraint (PostgreSQL,
    # named uq_<table>_<columns>) in the message.
    return code in _UNIQUE_VIOLATIONS and key.key in str(cause)
