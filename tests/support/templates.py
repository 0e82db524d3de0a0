"""Templates compiled once for the whole test run, not once per app.

Each test's app has a Jinja environment of its own, which compiled every template the
test rendered: about a tenth of the API tier's time. Every test app's environment has the
same options and extensions, so they share one bytecode cache: a template compiled by one
app is loaded by the next, after Jinja has checked that its source is unchanged.
"""

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory, by Jinja's key of name and source file."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def compile_templates_once() -> None:
    """Give every app created from now on the run's shared template bytecode cache."""
    if "bytecode_cache" not in Flask.jinja_options:
        Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedBytecode()}
