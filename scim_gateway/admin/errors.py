"""Errors on the owners' pages, answered in one place: a page, or a flash and back to the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from seat_core import (
    AlertNotFound,
    IdempotencyKeyInFlight,
    InvoiceNotFound,
    MemberNotFound,
    OrganizationNotFound,
    Refusal,
    SeatError,
)

from .. import error_texts
from .members import back

View = TypeVar("View", bound=Callable[..., Any])
Answer = Callable[[Exception, int], Any]


class FormError(Exception):
    """A form the owner must correct; the message says how."""


# The status of a page shown again for an error; the first class of its MRO found here.
STATUS: dict[type[Exception], int] = {
    OrganizationNotFound: 404,
    MemberNotFound: 404,
    AlertNotFound: 404,
    InvoiceNotFound: 404,
    IdempotencyKeyInFlight: 409,
}

# The views whose errors show their own page again, by endpoint; the others flash and go back.
_ANSWERS: dict[str, Answer] = {}


def answered_by(answer: Answer) -> Callable[[View], View]:
    """Have a view's domain and form errors answered by answer(error, status)."""

    def register(view: View) -> View:
        _ANSWERS[f"admin.{view.__name__}"] = answer
        return view

    return register


def status_of(error: Exception) -> int:
    """Return the status a page shown again for error answers with (400 unless listed)."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def message_of(error: Exception) -> str:
    """Return what the owner is told about error, in the request's language."""
    return error_texts.message(error) if isinstance(error, SeatError) else str(error)


def back_to_form() -> str:
    """Return the page the form was posted from, if it is this organization's, else Billing."""
    org = str((request.view_args or {}).get("org", ""))
    sent = urlsplit(request.referrer or "")
    # Only back to this organization's pages on this host, never to another site.
    if sent.netloc == request.host and sent.path.startswith(f"/admin/{org}/"):
        return sent.path + (f"?{sent.query}" if sent.query else "")
    return url_for("admin.billing", org=org)


def init(bp: Blueprint) -> None:
    """Map every domain error and form error raised under the blueprint onto a page."""

    @bp.errorhandler(Refusal)
    def refused(refusal: Refusal) -> Any:
        # Flask picks the handler of the nearest class: refusals come here, not below.
        # An owner's refusal is no seat request: the owner is told, back where they acted.
        flash(message_of(refusal), "error")
        org = str((request.view_args or {}).get("org", ""))
        if request.endpoint == "admin.admit":
            return redirect(url_for("admin.seat_requests", org=org))
        return redirect(back(org))

    @bp.errorhandler(SeatError)
    @bp.errorhandler(FormError)
    def form_refused(error: Exception) -> Any:
        # Raised inside the view's transaction, which has rolled back by now.
        if isinstance(error, OrganizationNotFound):
            slug = (request.view_args or {}).get("org", "")
            return render_template("admin/not_found.html", slug=slug), 404
        answer = _ANSWERS.get(request.endpoint or "")
        if answer is not None:
            return answer(error, status_of(error))
        flash(message_of(error), "error")
        return redirect(back_to_form())
