"""SCIM 2.0 service provider under /scim/v2 (RFC 7643, RFC 7644).

What an identity provider can rely on, where the RFCs leave the choice to us:

- userName is unique per organization compared by NFKC + casefold (seat_core.identity_key);
  invisible and control characters, and surrounding spaces, are refused with invalidValue.
- A user created with "active" true or absent takes a seat; a PUT without "active" leaves
  it as it is; a PATCH setting it false, or removing it, frees the seat. No free seat is a
  403 with scimType "seatLimitReached", and the refused user becomes a seat request.
- Filters run in SQL on: id, userName, externalId, displayName, active, emails (value,
  type, primary, display, and value filters such as emails[type eq "work"]), meta.created,
  meta.lastModified and the seat extension's holdsSeat; for groups on id, displayName,
  externalId, members and meta. Any other attribute is refused with invalidFilter.
- urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User (readOnly: holdsSeat,
  seatTakenAt) is returned on request: `attributes=<that URN>`.
"""

from flask import Blueprint

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")

# The modules register their routes and handlers on bp.
from . import auth, discovery, errors, groups, search, users  # noqa: E402

errors.init(bp)

__all__ = ["auth", "bp", "discovery", "errors", "groups", "search", "users"]
