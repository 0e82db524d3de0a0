"""SCIM 2.0 service provider under /scim/v2 (RFC 7643, RFC 7644).

What an identity provider can rely on, where the RFCs leave the choice to us:

- userName is unique per organization compared by NFKC + casefold (seat_core.identity_key);
  invisible and control characters, and surrounding spaces, are refused with invalidValue.
- userName (users) and displayName (groups) are unique however they are written: a create,
  PUT or PATCH naming a name another resource holds, or two requests at once, get 409
  uniqueness.
- emails[].value is checked for syntax only (seat_core.email_key, the rule every channel
  uses): directories' own domains such as okta.local, corp.local or acme.test are fine.
- meta.version (the ETag) moves exactly when what a client reads changes: a PUT or PATCH
  that changes nothing keeps it, so other clients' If-Match still holds.
- A PATCH path naming no attribute of a schema served here is 400 invalidPath (RFC 7644
  §3.5.2), e.g. "favoriteColor" or "urn:...:core:2.0:User:favoriteColor". A path under
  a schema URN nobody here declares is an identity provider's own attribute: it is
  dropped, like such attributes in a body, and changes nothing (version kept).
- Entra's member removal `"op": "Remove", "path": "members", "value": [{"$ref": null,
  "value": "<id>"}]` removes exactly the members listed, as does Okta's path
  `members[value eq "<id>"]`.
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
