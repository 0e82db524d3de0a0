"""URL builders compiled once per rule for the whole test run, not once per app.

Nearly every test creates an app, and creating one spent most of its time in Werkzeug
compiling, for each of its hundred-odd URL rules, two URL-building functions from an
abstract syntax tree. Such a function depends only on the rule's text, its parsed parts
and the names of its defaults: it reaches the rule's converters through the rule it is
bound to. So the function compiled for a rule is kept, and every later rule alike (in
the next app) binds the same one. A rule whose defaults fill a part of its URL keeps
Werkzeug's own compilation, since the converter's text is then baked in.
"""

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_Builder = Callable[..., tuple[str, str]]


def compile_url_builders_once() -> None:
    """Make Werkzeug's rules reuse URL builders compiled for an identical rule."""
    if getattr(Rule._compile_builder, "cached", False):
        return
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
