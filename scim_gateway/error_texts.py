"""The seat core's refusals said in the request's language.

seat_core writes its errors' messages in English and knows nothing of languages. Where an
answer shows one to a person (a SCIM Error's detail, a problem's detail), this module says
it again in the request's language: from the error's attributes where it has them, from
the sentence and values the seat core made it with (SeatError.said) otherwise. An error it
does not know keeps its own message; English always does, so English answers never change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from seat_core import ContractExpired, NoSeatAvailable, NotLicensed, SeatError, SignInRefused
from seat_core.billing import StaleQuote
from seat_core.seat_policy import Releases

from . import i18n


def message(error: SeatError) -> str:
    """Return what error says to a person, in the request's language."""
    if i18n.language() == i18n.DEFAULT:
        return error.message
    for kind in type(error).__mro__:
        said = _BY_KIND.get(kind)
        if said is not None:
            text = said(error)
            if text is not None:
                return text
            break
    if error.template is not None:
        # The seat core's sentence (SeatError.said), in the catalog under its own words.
        values = {
            name: _day(value) if isinstance(value, date) else value
            for name, value in error.values.items()
        }
        return _(error.template, **values)
    return error.message


def releases(found: Releases) -> str:
    """Say who a change of licensed groups would release, naming the first few."""
    if i18n.language() == i18n.DEFAULT:
        return found.describe()
    names = ", ".join(found.names)
    more = found.count - len(found.names)
    if more > 0:
        return ngettext(
            "%(num)d seat holder in none of the licensed groups would lose their seat: "
            "%(names)s and %(more)d more.",
            "%(num)d seat holders in none of the licensed groups would lose their seat: "
            "%(names)s and %(more)d more.",
            found.count,
            names=names,
            more=more,
        )
    return ngettext(
        "%(num)d seat holder in none of the licensed groups would lose their seat: %(names)s.",
        "%(num)d seat holders in none of the licensed groups would lose their seat: %(names)s.",
        found.count,
        names=names,
    )


def _day(value: date | str) -> str:
    """Write a date the seat core gives as a date or as ISO text, in the language."""
    try:
        return i18n.day(value if isinstance(value, date) else date.fromisoformat(value))
    except ValueError:
        return str(value)


def _no_seat(error: Any) -> str:
    return _(
        "No seat available in %(organization)s: %(in_use)d of %(purchased)d seats in use. "
        "A Primary Owner must add seats.",
        organization=error.organization,
        in_use=error.seats_in_use,
        purchased=error.seats_purchased,
    )


def _contract_expired(error: Any) -> str:
    return _(
        "The contract of %(organization)s ended on %(day)s and has not been renewed. "
        "A Primary Owner must renew it before seats can be taken.",
        organization=error.organization,
        day=_day(error.ended_on),
    )


def _not_licensed(error: Any) -> str:
    return _(
        "%(name)s is in none of the licensed groups (%(groups)s): only their members may "
        "hold a seat. Add them to one in your identity provider.",
        name=error.name,
        groups=", ".join(error.groups),
    )


def _stale_quote(error: Any) -> str:
    return _(
        "That quote was for %(quoted_on)s and today is %(on)s: the price changes with the "
        "date, so quote the purchase again",
        quoted_on=_day(error.quoted_on),
        on=_day(error.on),
    )


def _sign_in_refused(error: Any) -> str | None:
    if error.reason == "deactivated_by_idp":
        return _(
            "Your identity provider deactivated your account in %(organization)s. "
            "Ask its administrator to reactivate you, then sign in again.",
            organization=error.organization,
        )
    if error.reason == "no_seat" and error.seats_purchased is not None:
        return _(
            "No seat available in %(organization)s: all %(purchased)d seats are in use. "
            "The owners have been told; a Primary Owner must add seats.",
            organization=error.organization,
            purchased=error.seats_purchased,
        )
    if error.reason == "not_licensed" and error.licensed_groups:
        named = repr(error.licensed_groups[0])
        for group in error.licensed_groups[1:]:
            named = _("%(first)s or %(second)s", first=named, second=repr(group))
        return _(
            "You are not licensed to use %(organization)s: a seat comes with membership of "
            "the group %(groups)s in your identity provider. Ask its administrator to add you.",
            organization=error.organization,
            groups=named,
        )
    # The rest by reason alone: the refusal keeps no contract end or allowed domains apart.
    email = error.identity.email or (error.requester.identity if error.requester else "")
    text = _SIGN_IN_REASONS.get(error.reason, _SIGN_IN_OTHER)
    return str(text) % {"organization": error.organization, "email": email or "—"}


# What a refused sign-in says by its reason; each may use %(organization)s and %(email)s.
_SIGN_IN_REASONS: dict[str, LazyString] = {
    "no_seat": _l("No seat is available in %(organization)s: every seat is in use."),
    "contract_expired": _l(
        "The contract of %(organization)s has ended and has not been renewed. "
        "The owners have been told."
    ),
    "not_licensed": _l(
        "You are not licensed to use %(organization)s: you are in none of the groups that "
        "grant a seat."
    ),
    "jit_disabled": _l(
        "%(organization)s admits only people already provisioned; %(email)s is not one of them yet."
    ),
    "account_conflict": _l(
        "The member %(email)s of %(organization)s is linked to another account of your "
        "identity provider. Ask an owner to sort it out."
    ),
    "no_email": _l("Your identity provider did not send a usable email address."),
    "domain_not_allowed": _l("%(email)s is not in the domains %(organization)s allows."),
    "email_unverified": _l("Your identity provider has not verified %(email)s."),
}
_SIGN_IN_OTHER = _l("Your sign-in to %(organization)s was refused.")


_BY_KIND: dict[type[SeatError], Callable[[Any], str | None]] = {
    NoSeatAvailable: _no_seat,
    ContractExpired: _contract_expired,
    NotLicensed: _not_licensed,
    StaleQuote: _stale_quote,
    SignInRefused: _sign_in_refused,
}
