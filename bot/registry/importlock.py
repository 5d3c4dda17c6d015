"""One import writes to the registry at a time, across threads and processes (the bot's worker, `domainbot
import`, other replicas): two at once each read the registry, then both inserted the same new unit, and the
second ended in an IntegrityError traceback. The lock is taken at the start of the import's transaction, before
it reads anything, so the second import reads what the first wrote.

PostgreSQL: a transaction-level advisory lock; SQLite: the database's write lock (a write statement that changes
nothing). Either waits the database's lock wait (10 s); a second import still waiting then is told, in Chinese,
that an import is running, and nothing of it is written."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from sqlmodel import Session

IMPORT_LOCK_KEY = 0x646F6D61696E  # "domain": any fixed 64-bit number the bot uses for nothing else
BUSY = "另一个导入正在进行，请等它完成后再导入。本次没有写入任何内容。"


def hold_import_lock(session: Session) -> None:
    """Wait for (then hold, until this transaction ends) the right to write an import. SpreadsheetError(BUSY)
    when another import keeps it longer than the lock wait."""
    from bot.registry.sheets import SpreadsheetError

    dialect = session.get_bind().dialect.name
    try:
        if dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        elif dialect == "sqlite":
            session.execute(text("UPDATE setting SET key = key WHERE 0"))  # begins the write transaction
    except OperationalError as exc:
        message = str(exc).lower()
        if "lock" in message or "timeout" in message or "canceling statement" in message:
            raise SpreadsheetError(BUSY) from None
        raise
