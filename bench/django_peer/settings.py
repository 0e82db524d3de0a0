"""Django settings of the peer, read from the environment the bench gives it.

BENCH_DJANGO_DATABASE is `sqlite:///<path>` or a `postgresql://` URL; BENCH_PEER_TOKEN is
the bearer token its SCIM clients send.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

SECRET_KEY = os.environ.get("BENCH_DJANGO_SECRET", "bench-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
ROOT_URLCONF = "bench.django_peer.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
AUTH_USER_MODEL = "django_peer.User"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_scim",
    "bench.django_peer",
]
# Django's common middleware (it gives every response its Content-Length) and the bearer
# token: SCIM views are exempt from CSRF, and need no session.
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "bench.django_peer.middleware.BearerToken",
]


def _database(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parts.path[1:] if parts.path.startswith("//") else parts.path,
            # As the gateway's SQLite: WAL, synchronous=NORMAL, writers take the lock at BEGIN.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "CONN_MAX_AGE": None,
        }
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # One connection per worker for its life, as the gateway's pool keeps them.
        "CONN_MAX_AGE": None,
    }


DATABASES = {"default": _database(os.environ.get("BENCH_DJANGO_DATABASE", "sqlite:///peer.db"))}

SCIM_SERVICE_PROVIDER = {
    "NETLOC": "127.0.0.1",
    "SCHEME": "http",
    "GROUP_MODEL": "bench.django_peer.models.Group",
    "USER_FILTER_PARSER": "bench.django_peer.models.UserFilterQuery",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauth2",
            "name": "OAuth 2",
            "description": "A bearer token",
            "specUri": "",
            "documentationUri": "",
        }
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
