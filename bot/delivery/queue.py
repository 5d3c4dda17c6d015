"""The outbox queue: rows with a unique key, claimed atomically, finished with what Telegram answered.

A row is marked sent (with Telegram's message id) once Telegram accepted it. Just before a send the row records
that the send began (`started_at`). A claim left by a dead process is released after STALE_CLAIM: a row whose
send never began is simply sent; one whose send began may have reached Telegram (the outcome is unknown), so it
gets one more try a minute later, and a second unknown outcome ends it as 'uncertain' and is reported to the
admins instead of being repeated."""
from __future__ import annotations

import datetime as dt
import html
import logging
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from bot.db.models import Chat, Deadline, Delivery

log = logging.getLogger(__name__)
_TAGS = re.compile(r"<[^>]*>")

# A claim older than this is taken to be left by a dead process and is sent again. Longer than any one send can
# take (a 30 s answer, pacing waits capped at 30 s), so a slow live sender is never doubled.
STALE_CLAIM = dt.timedelta(minutes=2)
UNCERTAIN = "uncertain: "  # last_error prefix: a send timed out, and Telegram may have delivered it
UNCERTAIN_RETRY_AFTER = dt.timedelta(seconds=60)  # one more try, well after a slow send would have landed
KIND_NAMES = {"broadcast": "广播", "reminder": "期限提醒", "overdue": "逾期提醒", "oneoff": "定时提醒", "digest": "每周汇总",
              "notice": "通知"}


LATE_AFTER = dt.timedelta(minutes=5)


MAX_ATTEMPTS = 8


# -- planning ----------------------------------------------------------------------------------------------
def _insert_builder(session: Session):
    # Each dialect's insert is imported where it is used: the PostgreSQL dialect costs ~0.13 s of start-up on SQLite.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as builder
    else:
        from sqlalchemy.dialects.sqlite import insert as builder
    return builder


PART = "#p"  # key suffix of the second and later parts of a message too long for one


def message_parts(rows: list[dict]) -> list[dict]:
    """Outbox rows whose text is over Telegram's limit become one row per part (bot/ui/messages.split_html, the
    splitter every send path uses), in order, the first keeping the key and the others `key#p2`, `key#p3` …"""
    from bot.ui.messages import TEXT_LIMIT, split_html, visible_length

    out = []
    for row in rows:
        if visible_length(row["text"]) <= TEXT_LIMIT:
            out.append(row)
            continue
        for number, part in enumerate(split_html(row["text"]), start=1):
            key = row["key"] if number == 1 else f"{row['key'][:190]}{PART}{number}"
            out.append({**row, "key": key, "text": part})
    return out


def insert_ignore(session: Session, rows: list[dict], model: type = Delivery, conflict: str = "key") -> int:
    """INSERT … ON CONFLICT (key, or `conflict`) DO NOTHING on both databases; returns how many rows were new
    (for the outbox: how many messages, a message sent in parts counted once)."""
    if not rows:
        return 0
    if model is Delivery:
        rows = message_parts(rows)
    builder = _insert_builder(session)
    inserted = 0
    for start in range(0, len(rows), 500):
        statement = (builder(model.__table__).values(rows[start:start + 500])
                     .on_conflict_do_nothing(index_elements=[conflict]).returning(model.__table__.c[conflict]))
        found = session.execute(statement).all()  # rowcount is not reliable for multi-row inserts
        inserted += sum(1 for (value,) in found if model is not Delivery or PART not in value)
    return inserted


def insert_ignore_uncounted(session: Session, rows: list[dict], model: type, conflict: str) -> None:
    """insert_ignore without the count: one statement compiled once and run for every row (executemany), where
    insert_ignore compiles a statement with a bind parameter per value, ~20 ms of the caller's CPU per 500 rows."""
    if rows:
        session.execute(_insert_builder(session)(model.__table__).on_conflict_do_nothing(index_elements=[conflict]), rows)


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
    deadline_due: dt.date | None = None  # the deadline's due date when claimed (its 推迟 button names it)
    uncertain: bool = False  # an earlier send of this row timed out (it may have arrived): never retried again


def _stale(now: dt.datetime, keep: Collection[int] = ()):
    stale = and_(Delivery.status == "sending", Delivery.claimed_at < now - STALE_CLAIM)
    return and_(stale, Delivery.id.not_in(list(keep))) if keep else stale


def _due(now: dt.datetime):
    return and_(Delivery.status == "pending", Delivery.due_at <= now,
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))


def release_stale(session: Session, now: dt.datetime, keep: Collection[int] = (),
                  admins: Collection[int] = ()) -> int:
    """Rows claimed by a process that died before finishing go back to the queue; `keep`: rows this process
    is still working on (recording a send while the database stalls), never released under it.
    A row whose send never began is sent as if new. One whose send began may have reached Telegram: it is an
    unknown outcome, tried once more a minute later; a second unknown outcome ends as 'uncertain' and the
    admins are told (`admins`), so a message is never silently repeated."""
    stale = _stale(now, keep)
    result = session.execute(update(Delivery).where(stale, Delivery.started_at.is_(None))
                             .values(status="pending", claimed_by=""))
    released = result.rowcount or 0
    unknown = session.execute(sa_select(Delivery).where(stale, Delivery.started_at.is_not(None))).scalars().all()
    for row in unknown:
        note = "the process sending it stopped before Telegram's answer was recorded"
        if (row.last_error or "").startswith(UNCERTAIN):
            row.status = "uncertain"
            _report_uncertain(session, row, now, admins)
        else:
            row.status, row.next_attempt_at = "pending", now + UNCERTAIN_RETRY_AFTER
        row.attempts, row.started_at, row.claimed_by = row.attempts + 1, None, ""
        row.last_error = (UNCERTAIN + note)[:400]
        log.warning("delivery %s: %s; %s", row.id, note,
                    "not sent again (uncertain), admins told" if row.status == "uncertain" else "one more try in 60 s")
        session.add(row)
    return released + len(unknown)


def _report_uncertain(session: Session, row: Delivery, now: dt.datetime, admins: Collection[int]) -> None:
    """Tell the admins about a message that may or may not have arrived and is not sent again."""
    if row.key.startswith("uncertain:"):
        return  # a report about a report: the log line is enough
    from bot.deadlines.planning import home_admin_ids

    chat = session.get(Chat, row.chat_id)
    where = html.escape(chat.title) if chat is not None and chat.title else str(row.chat_id)
    snippet = html.escape(html.unescape(_TAGS.sub("", row.text))[:120])
    text = (f"⚠️ 一条{KIND_NAMES.get(row.kind, '消息')}（发往 {where}）发送后未能确认是否送达；为避免重复，不再自动重发。"
            f"请到该聊天确认，必要时手动补发：\n{snippet}")
    for admin in sorted(home_admin_ids(session, frozenset(admins))):  # the text may name any office's chat
        enqueue(session, f"uncertain:{row.id}:c{admin}", admin, text, now, "notice")


def _anything_to_claim(session: Session, now: dt.datetime, keep: Collection[int] = ()) -> bool:
    """Two reads on the (status, due_at) index. An empty outbox then writes nothing: on SQLite the tick takes no
    write lock, so it does not wait once a second behind a long import's transaction."""
    return any(session.execute(sa_select(Delivery.id).where(condition).limit(1)).first() is not None
               for condition in (_due(now), _stale(now, keep)))


def claim(session: Session, worker: str, now: dt.datetime, limit: int = 50, keep: Collection[int] = (),
          admins: Collection[int] = ()) -> list[Claimed]:
    """Atomically take due rows, the oldest first but at most one per chat per batch, so that one chat's long
    queue (60 reminders to a group paced at one per 3 s) never holds back every other chat's messages.
    Claims left by a dead process are released first. One UPDATE … WHERE status = 'pending' … RETURNING takes
    the rows; on PostgreSQL the candidates are locked with SKIP LOCKED, so two processes never take one row."""
    if not _anything_to_claim(session, now, keep):
        return []
    release_stale(session, now, keep, admins)
    due = _due(now)
    ranked = (sa_select(Delivery.id, Delivery.due_at,
                        func.row_number().over(partition_by=Delivery.chat_id, order_by=(Delivery.due_at, Delivery.id))
                        .label("turn"))
              .where(due).subquery())
    firsts = sa_select(ranked.c.id).where(ranked.c.turn == 1).order_by(ranked.c.due_at, ranked.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A CTE runs once; "IN (subquery … SKIP LOCKED)" may be rescanned and take more than `limit` rows.
        picked = (sa_select(Delivery.id).where(Delivery.id.in_(firsts.scalar_subquery()))
                  .with_for_update(skip_locked=True).cte("picked"))
        condition = Delivery.id == picked.c.id
    else:
        condition = Delivery.id.in_(firsts.scalar_subquery())  # SQLite: the write lock makes this atomic
    statement = (update(Delivery).where(condition, Delivery.status == "pending")
                 .values(status="sending", claimed_by=worker, claimed_at=now)
                 .returning(Delivery.id, Delivery.chat_id, Delivery.text, Delivery.kind, Delivery.deadline_id,
                            Delivery.due_at, Delivery.attempts, Delivery.last_error))
    out = []
    for rid, chat_id, text, kind, deadline_id, due_at, attempts, last_error in session.execute(statement).all():
        due_at = due_at if due_at.tzinfo else due_at.replace(tzinfo=dt.UTC)
        out.append(Claimed(rid, chat_id, text, kind, deadline_id, now - due_at > LATE_AFTER, attempts,
                           uncertain=(last_error or "").startswith(UNCERTAIN)))
    if out:
        session.execute(update(Delivery).where(Delivery.id.in_([c.id for c in out if c.late])).values(late=True))
        linked = {c.deadline_id for c in out if c.deadline_id}
        if linked:
            dues = dict(session.execute(sa_select(Deadline.id, Deadline.due).where(Deadline.id.in_(linked))).all())
            out = [replace(c, deadline_due=dues.get(c.deadline_id)) if c.deadline_id else c for c in out]
    return out


def unclaim(session: Session, ids: Collection[int], worker: str) -> None:
    """Claims of this process whose send never began (the database stalled first): back to the queue now."""
    if ids:
        session.execute(update(Delivery).where(Delivery.id.in_(list(ids)), Delivery.status == "sending",
                                               Delivery.claimed_by == worker, Delivery.started_at.is_(None))
                        .values(status="pending", claimed_by=""))


def start(session: Session, delivery_id: int, worker: str, now: dt.datetime) -> bool:
    """Record, just before the send, that it began (from here Telegram may have the message). False when this
    process no longer holds the claim (released and taken by another): then it must not send."""
    result = session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "sending",
                                                    Delivery.claimed_by == worker)
                             .values(started_at=now))
    return (result.rowcount or 0) == 1


def unstart(session: Session, delivery_id: int) -> None:
    """Telegram certainly did not take the send that began (a 400 naming the group's new id)."""
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(started_at=None))


def finish(session: Session, delivery_id: int, now: dt.datetime, *, error: str = "", retry_at: dt.datetime | None = None,
           failed: bool = False, throttled: bool = False, uncertain: bool = False, message_id: int | None = None,
           admins: Collection[int] = ()) -> None:
    """Record what Telegram answered. No flag: sent (with Telegram's `message_id`), whatever happened to the
    row meanwhile: a send that reached Telegram is never sent again. `throttled` (a 429, or no send budget
    yet): back to the queue at `retry_at` without counting an attempt. `uncertain` (timed out, may have
    arrived): with `retry_at`, one more try; without, the row ends as 'uncertain' and the admins are told."""
    row = session.get(Delivery, delivery_id)
    if row is None or row.status == "sent":
        return
    sent = not (throttled or uncertain or failed or retry_at is not None)
    if not sent and row.status != "sending":
        return  # the claim was released meanwhile: what happens to the row is no longer this answer's to say
    if throttled and retry_at is not None:
        row.status, row.next_attempt_at = "pending", retry_at
    elif uncertain and retry_at is None:
        row.status, row.attempts = "uncertain", row.attempts + 1
        _report_uncertain(session, row, now, admins)
    elif retry_at is not None and row.attempts + 1 < MAX_ATTEMPTS:
        row.status, row.next_attempt_at, row.attempts = "pending", retry_at, row.attempts + 1
    elif failed or retry_at is not None:
        row.status, row.attempts = "failed", row.attempts + 1
    else:
        row.status, row.sent_at, row.message_id = "sent", now, message_id
    row.last_error = ((UNCERTAIN if uncertain else "") + error)[:400]
    row.claimed_by, row.started_at = "", (row.started_at if sent else None)
    session.add(row)


ONEOFF_MAX_TEXT = 500
# Unsent one-off reminders: a person's own (anywhere), and one chat's (from anyone). Enough for real work (a
# clerk's week of reminders), small enough that nobody can fill the outbox (the trial queued 1,000 in 7 s).
ONEOFF_PER_USER = 20
ONEOFF_PER_CHAT = 50


class QuotaExceeded(ValueError):
    """A one-off reminder refused by a quota or the length limit; the message is for the user (Chinese)."""


def schedule_oneoff(session: Session, chat_id: int, text: str, when: dt.datetime, user_id: int | None = None) -> str:
    """Queue a one-off reminder `text` (plain text) for `chat_id` at `when` (aware UTC), within the quotas.
    `user_id` None is the command line (the operator: no per-person quota). Returns the delivery key."""
    text = text.strip()
    if not text or len(text) > ONEOFF_MAX_TEXT:
        raise QuotaExceeded(f"提醒内容不能为空，且不超过 {ONEOFF_MAX_TEXT} 字。")
    by_user, in_chat = pending_oneoffs(session, user_id or 0, chat_id)
    if user_id is not None and by_user >= ONEOFF_PER_USER:
        raise QuotaExceeded(f"您已有 {by_user} 条提醒尚未发出，上限 {ONEOFF_PER_USER} 条；请等其中一些发出后再设置。")
    if in_chat >= ONEOFF_PER_CHAT:
        raise QuotaExceeded(f"本聊天已有 {in_chat} 条提醒尚未发出，上限 {ONEOFF_PER_CHAT} 条。")
    key = f"oneoff:u{user_id or 0}:{secrets.token_hex(8)}"
    enqueue(session, key, chat_id, f"⏰ <b>提醒</b>\n{html.escape(text)}", when, "oneoff")
    return key


def pending_oneoffs(session: Session, user_id: int, chat_id: int) -> tuple[int, int]:
    """One-off reminders still to be sent: set by this user (anywhere), and for this chat (by anyone)."""
    waiting = Delivery.status.in_(("pending", "sending"))
    by_user = session.execute(sa_select(func.count()).where(waiting, Delivery.kind == "oneoff",
                                                            Delivery.key.like(f"oneoff:u{int(user_id)}:%"))).scalar_one()
    in_chat = session.execute(sa_select(func.count()).where(waiting, Delivery.kind == "oneoff",
                                                            Delivery.chat_id == chat_id)).scalar_one()
    return by_user, in_chat
