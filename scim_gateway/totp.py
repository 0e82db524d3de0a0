"""TOTP second factors (RFC 6238) for operators and owners: enrolment and codes used once.

A code is accepted for the current 30-second step or the one either side (clock drift),
and only once: the step it matched is stored on the person's row, and a code of that step
or an earlier one is refused, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

import pyotp
import segno
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from .crypto import decrypt

DRIFT_STEPS = 1
ISSUER = "SCIM Seat Gateway"


def new_totp_secret() -> str:
    """Return a fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """Return the QR code of an otpauth URI as inline SVG (segno's own markup)."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, title=_("Scan with your app")))


def matching_step(secret: str, code: str, *, at: datetime) -> int | None:
    """Return the time step whose code this is, within the allowed drift, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(at)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def accept_once(session: Session, row: Any, code: str, *, at: datetime) -> bool:
    """Accept a code of the row's enrolled secret once: right, and newer than the last used."""
    if row.totp_secret_encrypted is None:
        return False
    step = matching_step(decrypt(row.totp_secret_encrypted), code, at=at)
    if step is None:
        return False
    model = type(row)
    # One guarded statement: of two sign-ins with the same code, one moves the step.
    moved = session.execute(
        update(model)
        .where(
            model.id == row.id,
            or_(model.totp_last_step.is_(None), model.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount)
