"""Deadlines, reminder planning and the delivery outbox, in the database (the single source of truth).

Blocking functions on a Session; `now` is always passed in, so tests control the clock. Times in the
database are aware UTC datetimes; reminder times are local (BOT_TIMEZONE) working-day mornings."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select as sa_select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot.models import Admin, Chat, Contact, Deadline, Delivery, Holiday, utcnow
from knowledge.campaigns import load_campaigns
from knowledge.workdays import RULES, WorkCalendar, YearSchedule, deadline as compute_deadline

STALE_CLAIM = dt.timedelta(minutes=5)
LATE_AFTER = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
PLAN_LOOKBACK_DAYS = 30  # deadlines overdue longer than this get no new reminders (old campaigns stay quiet)


@dataclass(frozen=True)
class ReminderSettings:
    timezone: ZoneInfo
    send_time: dt.time = dt.time(9, 0)
    offsets: tuple[int, ...] = (5, 2, 1, 0)  # working days before the due date
    overdue_offsets: tuple[int, ...] = (1, 5)  # working days after it
    admins: frozenset[int] = frozenset()


# -- calendar ----------------------------------------------------------------------------------------------
def work_calendar(session: Session) -> WorkCalendar:
    """The official schedule, completed by the years an admin entered."""
    schedules: dict[int, tuple[set, set]] = {}
    for day in session.exec(select(Holiday)).all():
        off, work = schedules.setdefault(day.day.year, (set(), set()))
        (work if day.is_workday else off).add(day.day)
    return WorkCalendar({y: YearSchedule(y, frozenset(off), frozenset(work)) for y, (off, work) in schedules.items()})


def enter_schedule(session: Session, year: int, off: list[dt.date], work: list[dt.date], actor: str) -> None:
    for day in [*off, *work]:
        if day.year != year:
            raise ValueError(f"{day.isoformat()} 不在 {year} 年")
    for row in session.exec(select(Holiday).where(Holiday.day >= dt.date(year, 1, 1), Holiday.day <= dt.date(year, 12, 31))).all():
        session.delete(row)
    session.flush()
    session.add_all([Holiday(day=d, is_workday=False, entered_by=actor) for d in off])
    session.add_all([Holiday(day=d, is_workday=True, entered_by=actor) for d in work])


# -- deadlines ---------------------------------------------------------------------------------------------
def ensure_deadline(session: Session, key: str, title: str, due: dt.date, *, rule: str = "", basis: str = "",
                    provisional: bool = False, unit_id: int | None = None, domain_id: int | None = None,
                    audience: str = "unit") -> Deadline:
    existing = session.exec(select(Deadline).where(Deadline.key == key)).first()
    if existing:
        return existing
    # Two processes may start the same deadline at once: insert-or-ignore, then read back.
    _insert_ignore(session, [{"key": key, "title": title[:400], "due": due, "rule": rule, "basis": basis[:400],
                              "provisional": provisional, "unit_id": unit_id, "domain_id": domain_id,
                              "audience": audience, "status": "open", "done_by": "", "created_at": utcnow()}],
                   model=Deadline)
    return session.exec(select(Deadline).where(Deadline.key == key)).one()


def sync_campaigns(session: Session) -> int:
    count = 0
    for campaign in load_campaigns():
        for m in campaign.milestones:
            ensure_deadline(session, f"campaign:{m.key}", f"{campaign.title}：{m.what}", m.date,
                            rule="campaign", basis=campaign.source, audience=campaign.audience)
            count += 1
    return count


def mark_done(session: Session, deadline_id: int, actor: str, now: dt.datetime) -> Deadline | None:
    row = session.get(Deadline, deadline_id)
    if row is None:
        return None
    if row.status != "done":
        row.status, row.done_by, row.done_at = "done", actor, now
        session.add(row)
        _cancel_pending(session, deadline_id)
    return row


def snooze(session: Session, deadline_id: int, actor: str) -> Deadline | None:
    """Move the deadline one working day later and plan its reminders again."""
    row = session.get(Deadline, deadline_id)
    if row is None or row.status == "done":
        return row
    row.due, provisional = work_calendar(session).add_working_days(row.due, 1)
    row.provisional = row.provisional or provisional
    row.done_by = f"postponed by {actor}"[:100]
    session.add(row)
    _cancel_pending(session, deadline_id)
    return row


def _cancel_pending(session: Session, deadline_id: int) -> None:
    session.execute(update(Delivery).where(Delivery.deadline_id == deadline_id, Delivery.status == "pending")
                    .values(status="cancelled"))


def upcoming(session: Session, *, unit_ids: list[int] | None = None, everything: bool = False,
             today: dt.date, limit: int = 20) -> list[Deadline]:
    query = select(Deadline).where(Deadline.status == "open", Deadline.due >= today - dt.timedelta(days=PLAN_LOOKBACK_DAYS))
    if not everything:
        conditions = [Deadline.audience == "groups"]
        if unit_ids:
            conditions.append(Deadline.unit_id.in_(unit_ids))
        query = query.where(or_(*conditions))
    return list(session.exec(query.order_by(Deadline.due).limit(limit)).all())


# -- planning ----------------------------------------------------------------------------------------------
def _insert_ignore(session: Session, rows: list[dict], model: type = Delivery) -> int:
    """INSERT … ON CONFLICT (key) DO NOTHING on both databases; returns how many rows were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    inserted = 0
    for start in range(0, len(rows), 500):
        statement = (builder(model).values(rows[start:start + 500]).on_conflict_do_nothing(index_elements=["key"])
                     .returning(model.id))
        inserted += len(session.execute(statement).all())  # rowcount is not reliable for multi-row inserts
    return inserted


def enqueue(session: Session, key: str, chat_id: int, text: str, due_at: dt.datetime, kind: str,
            deadline_id: int | None = None) -> bool:
    return _insert_ignore(session, [{"key": key[:200], "chat_id": chat_id, "text": text, "due_at": due_at, "kind": kind,
                                     "deadline_id": deadline_id, "status": "pending", "attempts": 0,
                                     "claimed_by": "", "late": False, "last_error": ""}]) == 1


def admin_ids(session: Session, configured: frozenset[int]) -> set[int]:
    return set(configured) | set(session.exec(select(Admin.telegram_id)).all())


def recipients(session: Session, row: Deadline, admins: set[int], overdue: bool) -> list[int]:
    """Who hears about a deadline: its unit's linked contacts; the unit's group and the admins when no contact
    is linked or when it is overdue; for campaign deadlines, every subscribed group and the admins."""
    chats: list[int] = []
    if row.audience == "groups":
        chats += list(session.exec(select(Chat.id).where(Chat.subscribed == True, Chat.active == True)).all())  # noqa: E712
        chats += sorted(admins)
    else:
        contacts = list(session.exec(select(Contact.telegram_id).where(Contact.unit_id == row.unit_id,
                                                                        Contact.telegram_id.is_not(None))).all())
        chats += contacts
        if overdue or not contacts:
            chats += list(session.exec(select(Chat.id).where(Chat.unit_id == row.unit_id, Chat.active == True)).all())  # noqa: E712
            chats += sorted(admins)
    return list(dict.fromkeys(chats))


def _at(day: dt.date, settings: ReminderSettings) -> dt.datetime:
    return dt.datetime.combine(day, settings.send_time, settings.timezone).astimezone(dt.timezone.utc)


def reminder_text(row: Deadline, offset: int | None, overdue: bool) -> str:
    due = row.due.isoformat() + ("（暂按周末计算，节假日安排公布后可能调整）" if row.provisional else "")
    if overdue:
        head = "⚠️ <b>已逾期</b>"
    elif offset == 0:
        head = "⏰ <b>今天到期</b>"
    else:
        head = f"⏰ <b>还有 {offset} 个工作日到期</b>"
    lines = [head, html.escape(row.title), f"期限：{html.escape(due)}"]
    if row.basis:
        lines.append(f"依据：{html.escape(row.basis)}")
    return "\n".join(lines)


def plan(session: Session, settings: ReminderSettings, now: dt.datetime) -> int:
    """Insert the deliveries every open deadline needs (idempotent: each has a unique key)."""
    calendar = work_calendar(session)
    local_today = now.astimezone(settings.timezone).date()
    admins = admin_ids(session, settings.admins)
    rows: list[dict] = []
    deadlines = session.exec(select(Deadline).where(
        Deadline.status == "open", Deadline.due >= local_today - dt.timedelta(days=PLAN_LOOKBACK_DAYS))).all()
    for row in deadlines:
        for offset in settings.offsets:
            day = _working_day_before(calendar, row.due, offset)
            if day < local_today:
                continue  # already past when planned: no stale reminders
            for chat in recipients(session, row, admins, overdue=False):
                rows.append(_delivery(f"dl:{row.id}:due{row.due.isoformat()}:o{offset}:c{chat}", chat,
                                      reminder_text(row, offset, False), _at(day, settings), "reminder", row.id))
        for late in settings.overdue_offsets:
            day, _ = calendar.add_working_days(row.due, late)
            if day < local_today:
                continue
            for chat in recipients(session, row, admins, overdue=True):
                rows.append(_delivery(f"dl:{row.id}:due{row.due.isoformat()}:late{late}:c{chat}", chat,
                                      reminder_text(row, None, True), _at(day, settings), "overdue", row.id))
    return _insert_ignore(session, rows)


def _working_day_before(calendar: WorkCalendar, due: dt.date, offset: int) -> dt.date:
    day = due
    while not calendar.is_workday(day):
        day -= dt.timedelta(days=1)  # a due date on a day off is reminded on the working day before
    left = offset
    while left > 0:
        day -= dt.timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def _delivery(key: str, chat: int, text: str, due_at: dt.datetime, kind: str, deadline_id: int | None) -> dict:
    return {"key": key[:200], "chat_id": chat, "text": text, "due_at": due_at, "kind": kind,
            "deadline_id": deadline_id, "status": "pending", "attempts": 0, "claimed_by": "", "late": False,
            "last_error": ""}


def broadcast(session: Session, text: str, now: dt.datetime, tag: str) -> int:
    chats = session.exec(select(Chat.id).where(Chat.subscribed == True, Chat.active == True)).all()  # noqa: E712
    body = f"📢 {html.escape(text)}"
    return _insert_ignore(session, [_delivery(f"broadcast:{tag}:c{chat}", chat, body, now, "broadcast", None)
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
        due_at = due_at if due_at.tzinfo else due_at.replace(tzinfo=dt.timezone.utc)
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


def deactivate_chat(session: Session, chat_id: int) -> None:
    chat = session.get(Chat, chat_id)
    if chat is not None:
        chat.active, chat.updated_at = False, utcnow()
        session.add(chat)
    session.execute(update(Delivery).where(Delivery.chat_id == chat_id, Delivery.status == "pending")
                    .values(status="failed", last_error="chat inactive (bot blocked or removed)"))


def migrate_chat(session: Session, old_id: int, new_id: int) -> None:
    """A group became a supergroup: carry its settings and its queued messages to the new id."""
    old = session.get(Chat, old_id)
    if old is not None and session.get(Chat, new_id) is None:
        session.add(Chat(id=new_id, title=old.title, type="supergroup", subscribed=old.subscribed, digest=old.digest,
                         active=True, unit_id=old.unit_id))
        old.active, old.subscribed = False, False
        session.add(old)
    session.execute(update(Delivery).where(Delivery.chat_id == old_id, Delivery.status.in_(("pending", "sending")))
                    .values(chat_id=new_id))


def remember_chat(session: Session, chat_id: int, title: str, chat_type: str, **changes: object) -> Chat:
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id, title=title[:200], type=chat_type)
    chat.title, chat.type, chat.active, chat.updated_at = title[:200] or chat.title, chat_type, True, utcnow()
    for key, value in changes.items():
        setattr(chat, key, value)
    session.add(chat)
    return chat


# -- registry events ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DomainEvent:
    domain_id: int
    unit_id: int
    name: str
    status: str
    changed_on: dt.date | None
    has_filings: bool


@dataclass(frozen=True)
class ContactEvent:
    unit_id: int
    unit_name: str
    contact: str
    changed_on: dt.date


def deadlines_for_events(session: Session, domains: list[DomainEvent] = (), contacts: list[ContactEvent] = ()) -> int:
    """Policy deadlines that registry changes start, in bulk (an import may bring thousands):
    公告中 → cancel the old domain when the 3-month notice ends; 已注销 with filings → cancel the filings;
    a changed contact → report it within 20 working days."""
    calendar = work_calendar(session)
    wanted: dict[str, dict] = {}
    for e in domains:
        rule = {"公告中": "notice_period", "已注销": "filing_cancellation" if e.has_filings else ""}.get(e.status, "")
        if not rule or e.changed_on is None:
            continue
        computed = compute_deadline(rule, e.changed_on, calendar)
        key = f"{rule}:domain:{e.domain_id}:{e.changed_on.isoformat()}"
        wanted[key] = {"key": key, "title": f"{RULES[rule].title}：{e.name}"[:400], "rule": rule, "basis": computed.basis,
                       "due": computed.due, "provisional": computed.provisional, "unit_id": e.unit_id,
                       "domain_id": e.domain_id}
    for e in contacts:
        computed = compute_deadline("contact_change", e.changed_on, calendar)
        key = f"contact_change:unit:{e.unit_id}:{e.changed_on.isoformat()}"
        wanted[key] = {"key": key, "title": f"{RULES['contact_change'].title}：{e.unit_name}（{e.contact}）"[:400],
                       "rule": "contact_change", "basis": computed.basis, "due": computed.due,
                       "provisional": computed.provisional, "unit_id": e.unit_id, "domain_id": None}
    if not wanted:
        return 0
    keys = list(wanted)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing |= set(session.exec(select(Deadline.key).where(Deadline.key.in_(keys[start:start + 500]))).all())
    now = utcnow()
    rows = [{**v, "audience": "unit", "status": "open", "done_by": "", "created_at": now}
            for k, v in wanted.items() if k not in existing]
    return _insert_ignore(session, rows, model=Deadline)
