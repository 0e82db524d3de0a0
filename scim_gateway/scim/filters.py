"""SCIM filters and sort orders turned into SQL with scim2-models' FilterVisitor.

Every attribute a filter may name is mapped below, to an indexed column or to the values
of a multi-valued attribute; any other one is refused with invalidFilter rather than
silently matching nothing (RFC 7644 §3.4.2.2). Every predicate built here is two-valued
(never SQL NULL), so that `not (...)` means what it means in scim2-models' own evaluator.

Literals are checked by literals.py before any SQL is built (docs/input.md).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from scim2_models import (
    InvalidFilterException,
    SCIMException,
    ScimFilter,
)
from scim2_models.path import (
    AttributeBinding,
    AttrPath,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import (
    ColumnElement,
    and_,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.expression import FromClause

from .literals import check_literals, operand
from .mapping import Scalar, Values
from .policy import comparison_key

Op = CompareOperator
ORDERING = {Op.gt, Op.ge, Op.lt, Op.le}


def _key(binding: AttributeBinding) -> tuple[str, str, str | None]:
    return (
        str(getattr(binding.model, "__schema__", "")),
        binding.field_name,
        binding.sub_field_name,
    )


class SqlFilter(FilterVisitor[ColumnElement[bool]]):
    """Turn a parsed filter into a WHERE clause over the mapped columns."""

    def __init__(
        self,
        scim_filter: ScimFilter[Any],
        attributes: Mapping[tuple[str, str, str | None], Scalar | Values],
        dialect: str,
        *,
        lenient: bool = False,
    ) -> None:
        self.filter = scim_filter
        self.attributes = attributes
        self.dialect = dialect
        # On the root /.search, an attribute the other resource type declares is no
        # error: it has no value here (RFC 7644 §3.4.2.1).
        self.lenient = lenient

    def where(self) -> ColumnElement[bool]:
        """Return the WHERE clause of the whole filter."""
        check_literals(self.filter.ast)
        return self.visit(self.filter.ast)

    def _bind(self, attr_path: AttrPath, *, comparison: bool) -> AttributeBinding | None:
        try:
            resolve = self.filter.resolve_comparison if comparison else self.filter.resolve
            return resolve(attr_path, strict=not self.lenient)
        except SCIMException as error:
            raise InvalidFilterException(detail=error.detail) from None

    def _target(self, binding: AttributeBinding, attr_path: AttrPath) -> Scalar | Values:
        target = self.attributes.get(_key(binding))
        if target is None:
            raise InvalidFilterException(
                detail=_(
                    "Filtering on '%(path)s' is not supported; "
                    "see /ServiceProviderConfig and /Schemas.",
                    path=str(attr_path),
                )
            )
        return target

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        binding = self._bind(node.attr_path, comparison=True)
        if binding is None:
            return false()
        target = self._target(binding, node.attr_path)
        if isinstance(target, Values) and binding.sub_field_name is None:
            # "emails co x" compares each email's value: type the literal by that.
            value_path = AttrPath(node.attr_path.attr, "value", node.attr_path.uri)
            typed = self._bind(value_path, comparison=True) or binding
        else:
            typed = binding
        value = operand(typed, node)
        if isinstance(target, Scalar):
            return compare(target, node.op, value, binding, self.dialect)
        rows, correlation, subs = target.rows(self.dialect)
        sub = subs.get(binding.sub_field_name or "value")
        if sub is None:
            raise InvalidFilterException(
                detail=_("Filtering on '%(path)s' is not supported", path=str(node.attr_path))
            )
        # A comparison on a multi-valued attribute holds if one value matches; "ne" holds
        # if none is equal, as scim2-models reads it.
        if node.op == Op.ne:
            return not_(
                _exists(rows, correlation, compare(sub, Op.eq, value, binding, self.dialect))
            )
        return _exists(rows, correlation, compare(sub, node.op, value, binding, self.dialect))

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        binding = self._bind(node.attr_path, comparison=False)
        if binding is None:
            return false()
        target = self._target(binding, node.attr_path)
        if isinstance(target, Scalar):
            return present(target)
        rows, correlation, subs = target.rows(self.dialect)
        if binding.sub_field_name is None:
            return _exists(rows, correlation, or_(*(present(sub) for sub in subs.values())))
        return _exists(rows, correlation, present(subs[binding.sub_field_name]))

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        return not_(self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        binding = self._bind(node.attr_path, comparison=False)
        if binding is None:
            return false()
        target = self._target(binding, node.attr_path)
        if not isinstance(target, Values):
            raise InvalidFilterException(
                detail=_("'%(path)s' is not multi-valued", path=str(node.attr_path))
            )
        rows, correlation, subs = target.rows(self.dialect)
        inner = _ValueFilter(self, node.attr_path, subs).visit(node.val_filter)
        return _exists(rows, correlation, inner)


class _ValueFilter(FilterVisitor[ColumnElement[bool]]):
    """Turn the filter inside emails[...] into a condition on one value's row."""

    def __init__(self, outer: SqlFilter, attr_path: AttrPath, subs: Mapping[str, Scalar]) -> None:
        self.outer = outer
        self.attr_path = attr_path
        self.subs = subs

    def _sub(self, attr_path: AttrPath, *, comparison: bool) -> tuple[AttributeBinding, Scalar]:
        # Resolve "type" inside emails[...] as "emails.type", which carries its type.
        full = AttrPath(self.attr_path.attr, attr_path.attr, self.attr_path.uri)
        binding = self.outer._bind(full, comparison=comparison)
        if binding is None:
            raise InvalidFilterException(
                detail=_("Filtering on '%(path)s' is not supported", path=str(full))
            )
        sub = self.subs.get(binding.sub_field_name or "")
        if sub is None or attr_path.sub_attr is not None:
            raise InvalidFilterException(
                detail=_("Filtering on '%(path)s' is not supported", path=str(full))
            )
        return binding, sub

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        binding, sub = self._sub(node.attr_path, comparison=True)
        value = operand(binding, node)
        return compare(sub, node.op, value, binding, self.outer.dialect)

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        return present(self._sub(node.attr_path, comparison=False)[1])

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        return not_(self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        raise InvalidFilterException(detail=_("A value filter cannot hold another one"))


def _exists(rows: FromClause, correlation: ColumnElement[bool], condition: Any) -> Any:
    return select(literal(1)).select_from(rows).where(correlation, condition).exists()


def present(target: Scalar) -> ColumnElement[bool]:
    """Return "has a value": not null, and not empty for strings (RFC 7644 §3.4.2.2)."""
    if target.form == "plain":
        return target.column.is_not(None)
    return and_(target.column.is_not(None), target.column != "")


def compare(
    target: Scalar, op: Op, value: Any, binding: AttributeBinding, dialect: str
) -> ColumnElement[bool]:
    """Compare a column with a filter's value the way scim2-models compares them."""
    column = target.column
    if value is None:
        if op == Op.eq:
            return column.is_(None)
        return column.is_not(None) if op == Op.ne else false()
    if isinstance(value, str):
        if target.form == "key":
            value = comparison_key(binding, value)
        elif target.form == "fold":
            column, value = func.lower(column), comparison_key(binding, value)
        else:
            value = unicodedata.normalize("NFKC", value)
    elif op in (Op.co, Op.sw, Op.ew):
        return false()
    if op == Op.ne:
        return or_(target.column.is_(None), column != value)
    if op == Op.eq:
        predicate = column == value
    elif op in (Op.co, Op.sw, Op.ew):
        if not isinstance(value, str) or target.form == "plain":
            return false()
        predicate = _substring(column, op, value, dialect)
    else:
        if isinstance(value, str) and dialect == "postgresql":
            # Order strings by code point, as Python does, whatever the database's locale.
            column = column.collate("C")
        predicate = {
            Op.gt: column > value,
            Op.ge: column >= value,
            Op.lt: column < value,
            Op.le: column <= value,
        }[op]
    return and_(target.column.is_not(None), predicate)


def _substring(column: Any, op: Op, value: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        # SQLite's LIKE ignores ASCII case, which would match "ABC" for a caseExact "abc".
        if op == Op.co:
            return func.instr(column, value) > 0
        if op == Op.sw:
            return func.substr(column, 1, len(value)) == value
        return func.substr(column, -len(value)) == value if value else true()
    if op == Op.co:
        return column.contains(value, autoescape=True)
    if op == Op.sw:
        return column.startswith(value, autoescape=True)
    return column.endswith(value, autoescape=True)


def sort_column(
    binding: AttributeBinding | None,
    sorts: Mapping[tuple[str, str, str | None], Scalar],
    dialect: str,
    sort_by: str,
) -> Any:
    """Return the expression to order by for sortBy, refusing attributes not mapped."""
    target = sorts.get(_key(binding)) if binding is not None else None
    if target is None:
        raise InvalidFilterException(
            detail=_("Sorting on '%(path)s' is not supported", path=str(sort_by))
        )
    column = func.lower(target.column) if target.form == "fold" else target.column
    if dialect == "postgresql" and target.form != "plain":
        column = column.collate("C")
    return column
