"""Keep the session in step with what the seat statements wrote behind its back.

The seat statements are Core statements run on the driver's cursor: the session does not
see them. Three things would then disagree with the database, and each is fixed here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..models import Contract, Member
from .statements import member as member_table


def can_join(session: Session, member: Member) -> bool:
    """Tell whether a new member's INSERT can join the take's statement.

    Only when the member is the session's one change: any other would have to be flushed
    first, in an order the ORM decides. This holds when the caller did not flush.
    """
    return (
        len(session.new) == 1
        and member in session.new
        and not session.dirty
        and not session.deleted
    )


def new_row(member: Member) -> dict[str, Any]:
    """Return the parameters of a new member's INSERT (m_<column>), defaults applied.

    A default is set on the object too, as a flush would set it, and so is every value
    never set (None): once written, the object then holds every column, and reading one
    costs no SELECT.
    """
    row = {}
    given = vars(member)
    for column in member_table.c:
        value = getattr(member, column.key)
        if value is None and column.default is not None:
            default: Any = column.default
            # SQLAlchemy's ColumnDefault takes the execution context; none is needed here.
            value = default.arg(None) if default.is_callable else default.arg
            setattr(member, column.key, value)
        elif column.key not in given:
            setattr(member, column.key, value)
        row[f"m_{column.name}"] = value
    return row


def written(session: Session, member: Member) -> None:
    """Make the session hold the member as written, which a statement did, not a flush."""
    session.expunge(member)
    make_transient_to_detached(member)
    session.add(member)


def sync_contract(
    session: Session, contract_id: int, seats_used: int, *, seats_purchased: int | None = None
) -> None:
    """Show the new counts on the session's contract object, if it holds one.

    The seat statements are Core statements, which leave loaded objects as they were.
    """
    # The identity key's documented shape: (class, primary key, identity token).
    loaded = session.identity_map.get((Contract, (contract_id,), None))
    if loaded is not None:
        set_committed_value(loaded, "seats_used", seats_used)
        if seats_purchased is not None:
            set_committed_value(loaded, "seats_purchased", seats_purchased)
