"""An invoice's own texts, in the language it was issued in.

The seat core stores each line's description in English ("5 seats added, prorated",
"Renewal: 12 seats for one year"); the pages, the print page and the PDF write the
standard ones again from the line's data in the invoice's language, and show any other
stored description as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext

from seat_core.models import Invoice, InvoiceLine

from .. import i18n
from . import bp


def _added(seats: int) -> str:
    return ngettext("%(num)d seat added, prorated", "%(num)d seats added, prorated", seats)


def _renewal(seats: int) -> str:
    return ngettext(
        "Renewal: %(num)d seat for one year", "Renewal: %(num)d seats for one year", seats
    )


# What seat_core writes (seat_core/billing.py, seat_core/renewal.py), and its words.
STANDARD: list[tuple[re.Pattern[str], Callable[[int], str]]] = [
    (re.compile(r"(\d+) seats? added, prorated"), _added),
    (re.compile(r"Renewal: (\d+) seats? for one year"), _renewal),
]


def line_description(line: InvoiceLine) -> str:
    """Return a line's description in the language being spoken, or as stored."""
    for pattern, words in STANDARD:
        match = pattern.fullmatch(line.description)
        if match and int(match.group(1)) == line.seats:
            return words(line.seats)
    return line.description


def status(invoice: Invoice) -> str:
    """Return "Paid on 1 Mar 2026" or "Due"."""
    if invoice.paid_on:
        return _("Paid on %(day)s", day=i18n.day(invoice.paid_on))
    return _("Due")


bp.add_app_template_filter(line_description)
bp.add_app_template_filter(status, "invoice_status")
