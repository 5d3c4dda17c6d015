"""Reminder planning: which deadline reminds whom, on which working-day morning, queued in the outbox.

Times in the database are aware UTC datetimes; reminder times are local (BOT_TIMEZONE) working-day mornings."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.db.models import Admin, Chat, Contact, Deadline
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
    admins = admin_ids(session, settings.admins)
    rows: list[dict] = []
    deadlines = session.exec(select(Deadline).where(
        Deadline.status == "open", Deadline.due >= local_today - dt.timedelta(days=PLAN_LOOKBACK_DAYS))).all()
    for row in deadlines:
        if not plausible_plan_day(row.due, local_today):
            continue  # stored before dates were bounded (a campaign step on 9999-12-31): never planned
        for offset in settings.offsets:
            day = _working_day_before(calendar, row.due, offset)
            if day < local_today:
                continue  # already past when planned: no stale reminders
            for chat in recipients(session, row, admins, overdue=False):
                rows.append(delivery_row(f"dl:{row.id}:due{row.due.isoformat()}:o{offset}:c{chat}", chat,
                                      reminder_text(row, offset, False), _at(day, settings), "reminder", row.id))
        for late in settings.overdue_offsets:
            day, _ = calendar.add_working_days(row.due, late)
            if day < local_today:
                continue
            for chat in recipients(session, row, admins, overdue=True):
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
