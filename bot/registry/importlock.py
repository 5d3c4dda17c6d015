"""One import writes to the registry at a time, across threads and processes (the bot's worker, `domainbot
import`, other replicas): two at once each read the registry, then both inserted the same new unit, and the
second ended in an IntegrityError traceback. The lock (bot/db/locks.py) is taken at the start of the import's
transaction, before it reads anything, so the second import reads what the first wrote; one still waiting after
the database's lock wait (10 s) is told, in Chinese, that an import is running, and nothing of it is written."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

BUSY = "另一个导入正在进行，请等它完成后再导入。本次没有写入任何内容。"


def hold_import_lock(session: Session) -> None:
    from bot.db.locks import LockBusy, hold
    from bot.registry.sheets import SpreadsheetError

    try:
        hold(session, "registry-import")
    except LockBusy:
        raise SpreadsheetError(BUSY) from None
