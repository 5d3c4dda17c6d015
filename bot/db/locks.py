"""A named lock held until the end of the current transaction, across threads and processes, on both databases:
work that reads before it writes (an import, a new application checked against the open ones) takes it first, so
two at once run one after the other and the second reads what the first wrote.

PostgreSQL: a transaction-level advisory lock on the name's number; SQLite: the database's write lock (a write
statement that changes nothing; SQLite has one writer at a time anyway). Either waits the database's lock wait
(10 s), then raises LockBusy."""
from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from sqlmodel import Session


class LockBusy(RuntimeError):
    """Someone else held the lock longer than the database's lock wait."""


def hold(session: Session, name: str) -> None:
    dialect = session.get_bind().dialect.name
    try:
        if dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(name.encode())})
        elif dialect == "sqlite":
            session.execute(text("UPDATE setting SET key = key WHERE 0"))  # begins the write transaction
    except OperationalError as exc:
        message = str(exc).lower()
        if "lock" in message or "timeout" in message or "canceling statement" in message:
            raise LockBusy(name) from None
        raise
