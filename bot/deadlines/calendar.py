"""The working-day calendar: the official schedule completed by the years an admin entered."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.db.models import Holiday
from knowledge.workdays import WorkCalendar, YearSchedule


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


def schedule_summary(year: int, off: list[dt.date], work: list[dt.date]) -> str:
    """What an admin is told after entering a year's schedule; a partial one is said to be partial."""
    from bot.ui import texts

    done = texts.HOLIDAYS_ENTERED.format(year=year, off=len(off), work=len(work))
    missing = YearSchedule(year, frozenset(off), frozenset(work)).missing_holidays()
    if not missing:
        return done + "。此后的期限按此计算。"
    return (done + f"。⚠️ 这份安排没有包含{'、'.join(missing)}的放假日，不像国务院办公厅公布的全年安排；"
            f"{year} 年的期限仍按周末和法定节日推算并标为“暂定”。请补全后重新录入（同一年再次录入会整体替换）。")
