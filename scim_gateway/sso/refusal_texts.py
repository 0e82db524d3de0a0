"""What a refused sign-in's page says, by the refusal's reason, in the page's language.

seat_core writes its refusals' messages in English, with details (a contract's end, the
allowed domains) the refusal does not keep apart. English pages show that message as it is;
other languages say the same by the reason code, with the details the refusal has.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from seat_core import SignInRefused

from .. import i18n

# Each text may use %(organization)s and %(email)s.
TEXTS: dict[str, LazyString] = {
    "no_seat": _l("No seat is available in %(organization)s: every seat is in use."),
    "contract_expired": _l(
        "The contract of %(organization)s has ended and has not been renewed. "
        "The owners have been told."
    ),
    "not_licensed": _l(
        "You are not licensed to use %(organization)s: you are in none of the groups that "
        "grant a seat."
    ),
    "deactivated_by_idp": _l(
        "Your identity provider deactivated your account in %(organization)s. Ask its "
        "administrator to reactivate you, then sign in again."
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
OTHER = _l("Your sign-in to %(organization)s was refused.")


def refusal_message(refusal: SignInRefused) -> str:
    """Say why the person may not sign in, in the language of the page."""
    if i18n.language() == "en":
        return refusal.message
    email = refusal.identity.email or (refusal.requester.identity if refusal.requester else "")
    text = TEXTS.get(refusal.reason, OTHER)
    return str(text) % {"organization": refusal.organization, "email": email or "—"}


def licensed_groups(groups: list[str]) -> Markup:
    """Name the groups that grant a seat: "the group A, the group B or the group C"."""
    items = [
        Markup(_("the group %(group)s"))
        % {"group": Markup('<strong class="licensed-group">%s</strong>') % group}
        for group in groups
    ]
    if len(items) < 2:
        return items[0] if items else Markup()
    return Markup(_("%(some)s or %(last)s")) % {
        "some": Markup(", ").join(items[:-1]),
        "last": items[-1],
    }
