"""Commands that create something (a broadcast, a one-off reminder, an application) happen once per request.

A person told 数据库暂时不可用 retries as told; Telegram re-delivers an update a process acknowledged but did not
finish. Either way the same request comes again, and must not create a second broadcast. Each such command
takes a receipt keyed by what was asked (who, where, and the request's own text) in the same transaction as the
work: the first within WINDOW does the work and stores its answer; a repeat gets that answer and creates
nothing. One atomic statement decides (INSERT … ON CONFLICT DO UPDATE … WHERE the old receipt expired), so two
copies racing on two processes still create one."""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import update
from sqlmodel import Session

WINDOW = dt.timedelta(minutes=10)  # a retry "稍后再试" comes within minutes; the same text an hour later is new

def request_key(command: str, *parts: object) -> str:
    """The receipt key of one request: the command, then what identifies it (user, chat, the text as typed)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"{command[:30]}:{digest}"


def first(session: Session, key: str, now: dt.datetime, window: dt.timedelta = WINDOW) -> str | None:
    """None when this is the first request under `key` within `window` (do the work, then `settle`); else the
    answer the first one stored. Holds the receipt's row lock until the transaction ends."""
    from bot.db.models import CommandReceipt
    from bot.delivery.queue import _insert_builder

    table = CommandReceipt.__table__
    statement = (_insert_builder(session)(table).values(key=key, at=now, answer="")
                 .on_conflict_do_update(index_elements=["key"], set_={"at": now, "answer": ""},
                                        where=table.c.at < now - window)
                 .returning(table.c.key))
    if session.execute(statement).first() is not None:
        return None
    session.expire_all()
    row = session.get(CommandReceipt, key)
    return row.answer if row is not None else ""


def settle(session: Session, key: str, answer: str) -> None:
    """Store the answer the first request gave, for its repeats."""
    from bot.db.models import CommandReceipt

    session.execute(update(CommandReceipt).where(CommandReceipt.key == key).values(answer=answer))
