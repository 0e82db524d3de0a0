"""django-scim2 on Django, durable on SQLite or PostgreSQL: the peer the gateway is measured beside.

A stock django-scim2 set up the way its own test suite sets it up (a user model of
AbstractSCIMUserMixin and AbstractUser, a group model of AbstractSCIMGroupMixin), with the
three things a deployment adds: a database tuned as the gateway's (settings.py), an index
on UPPER(username) so that its `userName eq` filter is an index search (models.py), and a
bearer token (middleware.py). gunicorn serves `bench.django_peer.wsgi:app`.
"""
