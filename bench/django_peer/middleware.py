"""A bearer-token middleware: the request's user is the SCIM client when its token is right."""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse


class ScimClient(AnonymousUser):
    """The identity provider calling with the token: authenticated, and stored nowhere."""

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True


CLIENT = ScimClient()
ANONYMOUS = AnonymousUser()


class BearerToken:
    """Set request.user from the Authorization header; django-scim2 answers 401 without it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.expected = f"Bearer {os.environ['BENCH_PEER_TOKEN']}".encode()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_AUTHORIZATION", "").encode()
        request.user = CLIENT if hmac.compare_digest(given, self.expected) else ANONYMOUS
        return self.get_response(request)
