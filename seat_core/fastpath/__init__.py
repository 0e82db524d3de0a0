"""The seat path's fast lane: prepared statements with named results, one take per
database, and the fix-ups that keep the session in step with what they wrote."""

from .identity_map import can_join, sync_contract, written
from .prepared import NoRow, Prepared
from .statements import Deleted, Released, Taken

__all__ = [
    "Deleted",
    "NoRow",
    "Prepared",
    "Released",
    "Taken",
    "can_join",
    "sync_contract",
    "written",
]
