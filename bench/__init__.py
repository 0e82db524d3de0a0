"""Benchmarks of the gateway under gunicorn: lookups, provisioning, the seat gate, sign-ins."""
