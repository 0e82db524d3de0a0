"""URL rules parsed and URL builders compiled once per rule for the whole test run.

Nearly every test creates an app, and creating one spent most of its time in Werkzeug
parsing each of its hundred-odd URL rules and compiling, for each, two URL-building
functions from an abstract syntax tree. Both depend only on the rule's text and the
converters its map knows:

- The parse of a rule (its parts, its trace and the converters it asks for) is kept,
  and every later rule alike (in the next app) takes the same parts and trace and gets
  converters of its own, made by its own map, with the same arguments.
- A URL builder depends only on the rule's text, its parsed parts and the names of its
  defaults: it reaches the rule's converters through the rule it is bound to. So the
  function compiled for a rule is kept, and every later rule alike binds the same one. A
  rule whose defaults fill a part of its URL keeps Werkzeug's own compilation, since the
  converter's text is then baked in.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.routing.converters import BaseConverter
from werkzeug.routing.rules import Rule, RulePart

_Builder = Callable[..., tuple[str, str]]
_ConverterCall = tuple[str, str, tuple[Any, ...], Mapping[str, Any]]


def compile_url_builders_once() -> None:
    """Make Werkzeug's rules reuse the parse and URL builders of an identical rule."""
    if getattr(Rule._compile_builder, "cached", False):
        return
    _parse_rules_once()
    compile_builder = Rule._compile_builder
    compiled: dict[tuple[Any, ...], _Builder] = {}

    def compile_once(self: Rule, append_unknown: bool = True) -> _Builder:
        defaults = tuple(self.defaults or ())
        if any(is_dynamic and data in defaults for is_dynamic, data in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    compile_once.cached = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_once  # type: ignore[method-assign]


def _parse_rules_once() -> None:
    parse_rule = Rule._parse_rule
    parsed: dict[
        tuple[Any, ...], tuple[list[RulePart], list[tuple[bool, str]], list[_ConverterCall]]
    ] = {}

    def parse_once(self: Rule, rule: str) -> Iterable[RulePart]:
        key = (rule, type(self), tuple(self.map.converters.items()))
        if key not in parsed:
            calls: list[_ConverterCall] = []
            get_converter = self.get_converter

            def recording(
                variable: str, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
            ) -> BaseConverter:
                calls.append((variable, name, args, kwargs))
                return get_converter(variable, name, args, kwargs)

            already = len(self._trace)
            self.get_converter = recording  # type: ignore[method-assign]
            try:
                parts = list(parse_rule(self, rule))
            finally:
                del self.get_converter
            parsed[key] = (parts, self._trace[already:], calls)
            return parts
        parts, trace, calls = parsed[key]
        self._trace.extend(trace)
        for variable, name, args, kwargs in calls:
            self._converters[variable] = self.get_converter(variable, name, args, kwargs)
            self.arguments.add(variable)
        return parts

    Rule._parse_rule = parse_once  # type: ignore[method-assign]
