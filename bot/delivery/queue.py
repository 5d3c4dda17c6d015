"""The outbox queue: rows with a unique key, claimed atomically, finished with what Telegram answered.

A row is marked sent only after Telegram accepted it; a claim left by a dead process is released after
STALE_CLAIM and sent again."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from sqlalchemy import and_, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot.db.models import Chat, Delivery

STALE_CLAIM = dt.timedelta(minutes=5)


LATE_AFTER = dt.timedelta(minutes=5)


MAX_ATTEMPTS = 8


# -- planning ----------------------------------------------------------------------------------------------
def insert_ignore(session: Session, rows: list[dict], model: type = Delivery) -> int:
    """INSERT … ON CONFLICT (key) DO NOTHING on both databases; returns how many rows were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    inserted = 0
    for start in range(0, len(rows), 500):
        statement = (builder(model.__table__).values(rows[start:start + 500]).on_conflict_do_nothing(index_elements=["key"])
                     .returning(model.__table__.c.id))
        inserted += len(session.execute(statement).all())  # rowcount is not reliable for multi-row inserts
    return inserted


def enqueue(session: Session, key: str, chat_id: int, text: str, due_at: dt.datetime, kind: str,
            deadline_id: int | None = None) -> bool:
    return insert_ignore(session, [{"key": key[:200], "chat_id": chat_id, "text": text, "due_at": due_at, "kind": kind,
                                     "deadline_id": deadline_id, "status": "pending", "attempts": 0,
                                     "claimed_by": "", "late": False, "last_error": ""}]) == 1


def delivery_row(key: str, chat: int, text: str, due_at: dt.datetime, kind: str, deadline_id: int | None) -> dict:
    return {"key": key[:200], "chat_id": chat, "text": text, "due_at": due_at, "kind": kind,
            "deadline_id": deadline_id, "status": "pending", "attempts": 0, "claimed_by": "", "late": False,
            "last_error": ""}


def broadcast(session: Session, text: str, now: dt.datetime, tag: str) -> int:
    chats = session.exec(select(Chat.id).where(Chat.subscribed == True, Chat.active == True)).all()  # noqa: E712
    body = f"📢 {html.escape(text)}"
    return insert_ignore(session, [delivery_row(f"broadcast:{tag}:c{chat}", chat, body, now, "broadcast", None)
                                    for chat in chats])


# -- the outbox --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claimed:
    id: int
    chat_id: int
    text: str
    kind: str
    deadline_id: int | None
    late: bool
    attempts: int


def release_stale(session: Session, now: dt.datetime) -> int:
    """Rows claimed by a process that died before finishing go back to the queue."""
    result = session.execute(update(Delivery).where(Delivery.status == "sending", Delivery.claimed_at < now - STALE_CLAIM)
                             .values(status="pending", claimed_by=""))
    return result.rowcount or 0


def claim(session: Session, worker: str, now: dt.datetime, limit: int = 50) -> list[Claimed]:
    """Atomically take due rows: one UPDATE … RETURNING, with FOR UPDATE SKIP LOCKED on PostgreSQL so that
    two bot processes never take the same row."""
    due = and_(Delivery.status == "pending", Delivery.due_at <= now,
               or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
    ids = sa_select(Delivery.id).where(due).order_by(Delivery.due_at, Delivery.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A CTE runs once; "IN (subquery … SKIP LOCKED)" may be rescanned and take more than `limit` rows.
        picked = ids.with_for_update(skip_locked=True).cte("picked")
        condition = Delivery.id == picked.c.id
    else:
        condition = Delivery.id.in_(ids.scalar_subquery())  # SQLite: the write lock makes this atomic
    statement = (update(Delivery).where(condition, Delivery.status == "pending")
                 .values(status="sending", claimed_by=worker, claimed_at=now)
                 .returning(Delivery.id, Delivery.chat_id, Delivery.text, Delivery.kind, Delivery.deadline_id,
                            Delivery.due_at, Delivery.attempts))
    out = []
    for rid, chat_id, text, kind, deadline_id, due_at, attempts in session.execute(statement).all():
        due_at = due_at if due_at.tzinfo else due_at.replace(tzinfo=dt.UTC)
        out.append(Claimed(rid, chat_id, text, kind, deadline_id, now - due_at > LATE_AFTER, attempts))
    if out:
        session.execute(update(Delivery).where(Delivery.id.in_([c.id for c in out if c.late])).values(late=True))
    return out


def finish(session: Session, delivery_id: int, now: dt.datetime, *, error: str = "", retry_at: dt.datetime | None = None,
           failed: bool = False) -> None:
    row = session.get(Delivery, delivery_id)
    if row is None:
        return
    if retry_at is not None and row.attempts + 1 < MAX_ATTEMPTS:
        row.status, row.next_attempt_at, row.attempts = "pending", retry_at, row.attempts + 1
    elif failed or retry_at is not None:
        row.status, row.attempts = "failed", row.attempts + 1
    else:
        row.status, row.sent_at = "sent", now
    row.last_error, row.claimed_by = error[:400], ""
    session.add(row)
