"""How a refused sign-in's page names the groups that grant a seat, in the page's language."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup


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
