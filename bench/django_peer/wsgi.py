"""The peer's WSGI app for gunicorn: `bench.django_peer.wsgi:app`."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_peer.settings")
app = get_wsgi_application()
