"""Reminder planning: which deadline reminds whom, on which working-day morning, queued in the outbox.

Times in the database are aware UTC datetimes; reminder times are local (BOT_TIMEZONE) working-day mornings."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from bot.db.models import Admin, Chat, Contact, Deadline, Office, Unit
from bot.deadlines.calendar import work_calendar
from bot.deadlines.events import PLAN_LOOKBACK_DAYS
from bot.delivery.queue import delivery_row, insert_ignore
from knowledge.when import plausible_plan_day
from knowledge.workdays import WorkCalendar


@dataclass(frozen=True)
class ReminderSettings:
    timezone: ZoneInfo
    send_time: dt.time = dt.time(9, 0)
    offsets: tuple[int, ...] = (5, 2, 1, 0)  # working days before the due date
    overdue_offsets: tuple[int, ...] = (1, 5)  # working days after it
    admins: frozenset[int] = frozenset()


def admin_ids(session: Session, configured: frozenset[int]) -> set[int]:
    return set(configured) | set(session.exec(select(Admin.telegram_id)).all())


def home_admin_ids(session: Session, configured: frozenset[int]) -> set[int]:
    """The home office's admins: BOT_ADMIN_IDS and those granted without an office."""
    return set(configured) | set(session.exec(select(Admin.telegram_id).where(Admin.office_id.is_(None))).all())


def office_admin_ids(session: Session, office_id: int | None, home_admins: set[int]) -> list[int]:
    """Who administers what an office (None: home) is told: its own admins; an office without any, the nearest
    office above it with admins, up to the home office's."""
    seen: set[int] = set()
    while office_id is not None and office_id not in seen:
        seen.add(office_id)
        found = session.exec(select(Admin.telegram_id).where(Admin.office_id == office_id)
                             .order_by(Admin.telegram_id)).all()
        if found:
            return list(found)
        office_id = session.exec(select(Office.parent_id).where(Office.id == office_id)).first()
    return sorted(home_admins)


def chat_office():
    """SQL: the office a group works for: a unit's group, its unit's office; otherwise the office it was bound to
    (NULL: the home office). Binding to a unit clears Chat.office_id (handlers/notices.py), so one of the two."""
    return func.coalesce(Unit.office_id, Chat.office_id)


def office_groups(session: Session, office_id: int | None, *, unit_groups: bool = True) -> list[int]:
    """The subscribed groups of an office (None: the home office): groups bound to it and, with `unit_groups`,
    the groups of its units. Never another office's."""
    at = chat_office()
    query = (select(Chat.id).outerjoin(Unit, Unit.id == Chat.unit_id)
             .where(Chat.subscribed == True, Chat.active == True,  # noqa: E712
                    at.is_(None) if office_id is None else at == office_id))
    if not unit_groups:
        query = query.where(Chat.unit_id.is_(None))
    return list(session.exec(query.order_by(Chat.id)).all())


def recipients(session: Session, row: Deadline, admins: set[int], overdue: bool) -> list[int]:
    """Who hears about a deadline (`admins`: the home office's). A unit's: its linked contacts; its group, its
    office's own groups and the office's admins when no contact is linked or when it is overdue. A campaign
    step: the subscribed groups of the office that carries it (the home's step: the home's groups) and that
    office's admins; never a sibling office's."""
    chats: list[int] = []
    if row.audience in ("groups", "office"):
        chats += office_groups(session, row.office_id)
        chats += office_admin_ids(session, row.office_id, admins)
    else:
        contacts = list(session.exec(select(Contact.telegram_id).where(Contact.unit_id == row.unit_id,
                                                                        Contact.telegram_id.is_not(None))).all())
        chats += contacts
        if overdue or not contacts:
            chats += list(session.exec(select(Chat.id).where(Chat.unit_id == row.unit_id, Chat.active == True)).all())  # noqa: E712
            office = session.exec(select(Unit.office_id).where(Unit.id == row.unit_id)).first() if row.unit_id else None
            if office is not None:  # a home unit's notices stay with its group and the admins, as before offices
                chats += office_groups(session, office, unit_groups=False)
            chats += office_admin_ids(session, office, admins)
    return list(dict.fromkeys(chats))


def _at(day: dt.date, settings: ReminderSettings) -> dt.datetime:
    return dt.datetime.combine(day, settings.send_time, settings.timezone).astimezone(dt.UTC)


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
    admins = home_admin_ids(session, settings.admins)
    rows: list[dict] = []
    deadlines = session.exec(select(Deadline).where(
        Deadline.status == "open", Deadline.due >= local_today - dt.timedelta(days=PLAN_LOOKBACK_DAYS))).all()
    for row in deadlines:
        if not plausible_plan_day(row.due, local_today):
            continue  # stored before dates were bounded (a campaign step on 9999-12-31): never planned
        told: dict[bool, list[int]] = {}  # who hears, read once per deadline (not once per reminder day)

        def to(overdue: bool, row: Deadline = row, told: dict = told) -> list[int]:
            if overdue not in told:
                told[overdue] = recipients(session, row, admins, overdue=overdue)
            return told[overdue]

        for offset in settings.offsets:
            day = _working_day_before(calendar, row.due, offset)
            if day < local_today:
                continue  # already past when planned: no stale reminders
            for chat in to(False):
                rows.append(delivery_row(f"dl:{row.id}:due{row.due.isoformat()}:o{offset}:c{chat}", chat,
                                      reminder_text(row, offset, False), _at(day, settings), "reminder", row.id))
        for late in settings.overdue_offsets:
            day, _ = calendar.add_working_days(row.due, late)
            if day < local_today:
                continue
            for chat in to(True):
                rows.append(delivery_row(f"dl:{row.id}:due{row.due.isoformat()}:late{late}:c{chat}", chat,
                                      reminder_text(row, None, True), _at(day, settings), "overdue", row.id))
    return insert_ignore(session, rows)


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
