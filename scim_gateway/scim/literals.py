"""The literals of a filter, checked once decoded: the string rule, and the attribute's type.

A literal's escapes may spell a character the string rule of seat_core.text refuses
(`"\\ud800"` is six harmless characters in a URL), and its JSON type must be the type of the
attribute it is compared with (RFC 7644 §3.4.2.2). See docs/input.md.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from inspect import isclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from scim2_models import InvalidFilterException, SCIMException, ScimFilter
from scim2_models.path import (
    AttributeBinding,
    AttrPath,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    Not,
    Present,
    ValuePath,
    coerce_value,
)

from seat_core.text import InvalidText, check_text


class _Literals(FilterVisitor[None]):
    """Refuse a filter whose decoded string literals the string rule refuses."""

    def visit_comparison(self, node: Comparison) -> None:
        if isinstance(node.value, str):
            try:
                check_text(node.value, what=f"The value compared with {node.attr_path}")
            except InvalidText as error:  # the filter's own error type: invalidFilter
                raise InvalidFilterException(detail=error.message) from None

    def visit_present(self, node: Present) -> None:
        return None

    def visit_not(self, node: Not) -> None:
        self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> None:
        for term in node.terms:
            self.visit(term)

    def visit_value_path(self, node: ValuePath) -> None:
        self.visit(node.val_filter)


def check_literals(node: FilterNode) -> None:
    """Refuse a filter, or a PATCH path's value filter, holding a literal the string rule refuses.

    :raises InvalidFilterException: naming the attribute and the refused character.
    """
    _Literals().visit(node)


# The JSON type a filter's literal must have, by the Python type of the attribute it is
# compared with; a string spells a dateTime, a reference or base64 binary (RFC 7643 §2.3).
_NUMBERS = (int, float, Decimal)


def operand(binding: AttributeBinding, node: Comparison) -> Any:
    """Return a comparison's literal as its attribute's Python type.

    RFC 7644 §3.4.2.2 compares an attribute with a value of its own type: a boolean with
    true or false, a number with a number, the others with a string. pydantic's lax
    conversion would read 5 as a dateTime of 1970 and "yes" as true.

    :raises InvalidFilterException: for a literal of another JSON type.
    """
    value = node.value
    expected = binding.target_type
    if value is not None and isclass(expected) and not _fits(expected, value):
        raise InvalidFilterException(
            detail=str(_kind(expected)) % {"path": node.attr_path, "value": _json_kind(value)}
        )
    return coerce_value(binding, value, node.op)


def _fits(expected: type, value: Any) -> bool:
    if issubclass(expected, bool):
        return isinstance(value, bool)
    if issubclass(expected, _NUMBERS):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if issubclass(expected, str | datetime | bytes):
        return isinstance(value, str)
    # A complex attribute compared as a whole: its value sub-attribute decides.
    return True


def _kind(expected: type) -> Any:
    """Return the sentence refusing a literal of another type than the attribute's."""
    if issubclass(expected, bool):
        return _l("'%(path)s' is a boolean; it cannot be compared with %(value)s.")
    if issubclass(expected, _NUMBERS):
        return _l("'%(path)s' is a number; it cannot be compared with %(value)s.")
    if issubclass(expected, datetime):
        return _l("'%(path)s' is a dateTime; it cannot be compared with %(value)s.")
    return _l("'%(path)s' is a string; it cannot be compared with %(value)s.")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return _("the boolean %(value)s", value=str(value).lower())
    if isinstance(value, str):
        return _("a string")
    return _("the number %(value)s", value=str(value))


class _Types(FilterVisitor[None]):
    """Refuse a comparison whose literal has another JSON type than its attribute."""

    def __init__(self, scim_filter: Any, outer: AttrPath | None = None) -> None:
        self.filter = scim_filter
        self.outer = outer

    def visit_comparison(self, node: Comparison) -> None:
        path = node.attr_path
        if self.outer is not None:
            path = AttrPath(self.outer.attr, path.attr, self.outer.uri)
        try:
            binding = self.filter.resolve_comparison(path, strict=False)
        except SCIMException:
            return  # an attribute no schema declares: the caller says what it makes of it
        if binding is not None:
            operand(binding, node)

    def visit_present(self, node: Present) -> None:
        return None

    def visit_not(self, node: Not) -> None:
        self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> None:
        for term in node.terms:
            self.visit(term)

    def visit_value_path(self, node: ValuePath) -> None:
        _Types(self.filter, node.attr_path).visit(node.val_filter)


def check_types(node: FilterNode, model: Any) -> None:
    """Refuse a PATCH path's value filter comparing an attribute with another type of value.

    :raises InvalidFilterException: as operand() does.
    """
    _Types(ScimFilter[model](node)).visit(node)  # type: ignore[misc]
