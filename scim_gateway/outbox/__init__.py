"""Alert delivery: the worker that sends the outbox by email (SMTP) and signed webhooks."""

from .options import Options, webhook_policy
from .webhooks import new_secret, sign
from .worker import Report, deliver_once, run_worker

__all__ = [
    "Options",
    "Report",
    "deliver_once",
    "new_secret",
    "run_worker",
    "sign",
    "webhook_policy",
]
