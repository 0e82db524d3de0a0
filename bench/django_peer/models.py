"""The peer's user and group: django-scim2's test-suite models, with an index for lookups."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django_scim import models as scim_models
from django_scim.filters import FilterQuery


class Group(scim_models.AbstractSCIMGroupMixin):
    """A SCIM group, as django-scim2's tests define it."""

    name = models.CharField("name", max_length=80, unique=True)


class User(scim_models.AbstractSCIMUserMixin, AbstractUser):
    """A SCIM user, as django-scim2's tests define it."""

    scim_groups = models.ManyToManyField(Group, related_name="user_set")

    class Meta:
        # django-scim2 filters on UPPER(username): without this every lookup is a scan.
        indexes = [models.Index(Upper("username"), name="bench_user_username_upper")]


class UserFilterQuery(FilterQuery):
    """The filter attributes django-scim2's tests map: userName only."""

    model_getter = get_user_model
    attr_map = {("userName", None, None): "username"}
