"""How URLs are matched: ids bounded to what a row can hold, slashes as sent (docs/input.md)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# Row ids are INTEGER columns: 32-bit signed on PostgreSQL, 64-bit on SQLite. Bounding
# every <int:...> to the narrower range gives both databases the same 404 for an id no row
# can have, where PostgreSQL would fail the query on a larger one ("out of range").
ROW_ID_MAX = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """Match the id of a row: ASCII digits, from 1 to ROW_ID_MAX; anything else is a 404."""

    # werkzeug's \d+ also matches other scripts' digits ("٣"), which int() then reads.
    regex = r"[0-9]+"

    def __init__(self, map: object, **options: object) -> None:
        options.setdefault("min", 1)
        options.setdefault("max", ROW_ID_MAX)
        super().__init__(map, **options)  # type: ignore[arg-type]


def init_app(app: Flask) -> None:
    """Read every <int:...> with RowIdConverter; call before the blueprints are registered."""
    app.url_map.converters["int"] = RowIdConverter
    # werkzeug answers "//" in a path with a 308 to the merged path, an HTML page no
    # handler sees; unmerged, such a path is a 404 in the format of the part asked.
    app.url_map.merge_slashes = False
