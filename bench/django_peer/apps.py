"""The peer's Django app."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoPeerConfig(AppConfig):
    """The bench's django-scim2 project, labelled django_peer."""

    name = "bench.django_peer"
    label = "django_peer"
    default_auto_field = "django.db.models.AutoField"
