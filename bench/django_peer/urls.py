"""django-scim2's URLs under /scim/v2, as the gateway serves SCIM, and /readyz for the bench."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def ready(request: HttpRequest) -> HttpResponse:
    """Answer that the app is up."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("readyz", ready),
    path("scim/v2/", include("django_scim.urls", namespace="scim")),
]
