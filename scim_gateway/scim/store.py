"""Finding and uniqueness checks shared by the SCIM resource types."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from scim2_models import NotFoundException, UniquenessException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from .auth import organization_id

Row = TypeVar("Row")


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
        raise NotFoundException(detail=f"No {noun} {resource_id!r}.")
    return row


def ensure_unique(session: Session, key: InstrumentedAttribute[Any], row: Any, detail: str) -> None:
    """Refuse a row whose key another row of the organization already has."""
    model = key.class_
    clash = session.scalar(
        select(model.id).where(
            model.organization_id == row.organization_id,
            key == getattr(row, key.key),
            model.id != row.id,
        )
    )
    if clash is not None:
        raise UniquenessException(detail=detail)


@contextmanager
def unique(detail: str) -> Iterator[None]:
    """Two requests writing the same key at once are told apart by the UNIQUE index."""
    try:
        yield
    except IntegrityError:
        raise UniquenessException(detail=detail) from None


def flush_unique(session: Session, detail: str) -> None:
    """Flush, telling a clash on a UNIQUE index as a uniqueness error."""
    with unique(detail):
        session.flush()
