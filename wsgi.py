"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from scim_gateway import create_app

app = create_app()
