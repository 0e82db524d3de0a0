"""The translation catalogs as the tests see them: compiled when stale, extracted afresh.

``make catalogs`` compiles them for people; the tests compile them too, so that a test run
straight through pytest never reads a stale or missing catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = ROOT / "scim_gateway" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "lazy_gettext": None,
    "_l": None,
    # seat_core's errors made from a sentence (SeatError.said).
    "said": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def po_files() -> list[Path]:
    return sorted(CATALOG_DIR.glob("*/LC_MESSAGES/messages.po"))


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=path.parent.parent.name)


def compile_stale() -> None:
    """Compile every .po whose .mo is missing or older, as `make catalogs` does."""
    for po in po_files():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read(po)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as file:
            write_mo(file, catalog)
        tmp.replace(mo)


def extracted() -> Iterator[tuple[str | tuple[str, ...], str | None, str]]:
    """Yield (msgid, context, where) for every text the sources mark, by babel.cfg."""
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        yield message, context, f"{filename}:{lineno}"
