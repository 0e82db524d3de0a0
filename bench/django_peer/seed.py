"""Migrate the peer's database and add users: `python -m bench.django_peer.seed SLUG START STOP`.

The users are named as the gateway's seeded members (bench/users.py), nine in ten active,
and written in bulk through Django's ORM; each gets its SCIM id, as django-scim2's save
gives one (the primary key as text).
"""

from __future__ import annotations

import os
import sys

BATCH = 5000


def seed(slug: str, start: int, stop: int) -> None:
    """Migrate, then add users start..stop-1."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_peer.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from bench.users import external_id, is_active, user_name

    from .models import User

    call_command("migrate", verbosity=0, interactive=False)
    for low in range(start, stop, BATCH):
        with transaction.atomic():
            User.objects.bulk_create(
                User(
                    username=user_name(slug, index),
                    scim_username=user_name(slug, index),
                    scim_external_id=external_id(slug, index),
                    first_name="Bench",
                    last_name=f"User {index:06d}",
                    email=user_name(slug, index),
                    is_active=is_active(index),
                    password="!",
                )
                for index in range(low, min(low + BATCH, stop))
            )
            User.objects.filter(scim_id__isnull=True).update(scim_id=Cast("id", CharField()))
    # The users created by earlier measurements stay: the last seeded one must be there.
    if not User.objects.filter(username=user_name(slug, stop - 1)).exists():
        raise SystemExit(f"the peer's user {stop - 1} is missing")


if __name__ == "__main__":
    seed(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
