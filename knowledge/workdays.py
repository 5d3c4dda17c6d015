"""Working-day and calendar-period arithmetic for the policy's deadlines (pure).

- Working days follow China's official schedule (holidays and adjusted working weekends) from the
  chinese_calendar package, or a schedule an admin entered for a year the package does not know yet.
  A year known to neither is computed on weekends and the statutory holidays (全国年节及纪念日放假办法: 元旦,
  春节, 清明, 劳动节, 端午, 中秋, 国庆, lunar dates from lunardate), without the adjusted weekends the State
  Council announces each year, and the result is marked provisional. An entered schedule that leaves out a
  statutory holiday is partial: it is added to that estimate and the year stays provisional.
- A period counts from the day after the event (民法典 第二百零一条): "20 working days after a change"
  ends on the 20th working day after the change date.
- A period of months ends on the same day number of the last month, or that month's last day when it has
  no such day (民法典 第二百零二条); when that day is not a working day the period ends on the next working day
  (第二百零三条).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

from knowledge.policy import PLAN_DOC

MAX_WORKING_DAYS = 3660  # a guard against absurd requests: about ten years of working days


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The days off the law fixes for every year (国务院令第795号, from 2025; before: 春节 three days, 劳动节 one),
    by name. The yearly notice adds bridge days and the weekends worked in exchange, which no rule predicts."""
    def lunar(month: int, day: int) -> dt.date:
        return LunarDate(year, month, day).to_solar_date()

    spring = lunar(1, 1)
    named = [(dt.date(year, 1, 1), "元旦"), *((spring + dt.timedelta(days=n), "春节") for n in range(3)),
             *((day, "清明节") for day, term in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
               if term == "清明"),
             (dt.date(year, 5, 1), "劳动节"), (lunar(5, 5), "端午节"), (lunar(8, 15), "中秋节"),
             *((dt.date(year, 10, n), "国庆节") for n in (1, 2, 3))]
    if year >= 2025:
        named += [(spring - dt.timedelta(days=1), "春节"), (dt.date(year, 5, 2), "劳动节")]  # 除夕; a second day
    days: dict[dt.date, str] = {}
    for day, name in named:  # 中秋 can fall within 国庆: the day carries both names
        days[day] = f"{days[day]}、{name}" if day in days and name not in days[day] else days.get(day, name)
    return dict(sorted(days.items()))


@dataclass(frozen=True)
class YearSchedule:
    """An admin-entered official schedule: days off that are not weekends, and weekend days worked."""
    year: int
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def missing_holidays(self) -> list[str]:
        """Statutory holidays the schedule does not list as days off: a schedule without them is partial."""
        return list(dict.fromkeys(name for day, names in statutory_holidays(self.year).items()
                                  if day not in self.holidays for name in names.split("、")))

    @property
    def complete(self) -> bool:
        return not self.missing_holidays()


@lru_cache(maxsize=4096)
def _package_workday(day: dt.date) -> bool:
    """chinese_calendar scans its whole table to validate each date (0.05 ms): an import starts thousands of
    deadlines over the same few months."""
    return chinese_calendar.is_workday(day)


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


@dataclass
class WorkCalendar:
    schedules: dict[int, YearSchedule] = field(default_factory=dict)
    _known: dict[int, bool] = field(default_factory=dict, repr=False)

    def knows(self, year: int) -> bool:
        if year not in self._known:
            schedule = self.schedules.get(year)
            self._known[year] = schedule.complete if schedule is not None else package_knows(year)
        return self._known[year]

    def is_workday(self, day: dt.date) -> bool:
        schedule = self.schedules.get(day.year)
        if schedule is not None and day in schedule.workdays:
            return True
        if schedule is not None and (schedule.complete or not package_knows(day.year)):
            # a partial schedule only adds to the estimate from weekends and statutory holidays
            return day.weekday() < 5 and day not in schedule.holidays and (
                schedule.complete or day not in statutory_holidays(day.year))
        if self.knows(day.year):
            return _package_workday(day)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)  # provisional

    def next_workday(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _ in range(60):  # the longest run of days off is far shorter (春节 with weekends: 9)
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within 60 days")

    def add_working_days(self, event: dt.date, count: int) -> tuple[dt.date, bool]:
        """The `count`-th working day after `event` (the event day itself never counts)."""
        if count < 0 or count > MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}")
        day, provisional, left = event, not self.knows(event.year), count
        while left > 0:
            day += dt.timedelta(days=1)
            provisional |= not self.knows(day.year)
            if self.is_workday(day):
                left -= 1
        return day, provisional


def add_months(event: dt.date, months: int) -> dt.date:
    month_index = event.month - 1 + months
    year, month = event.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(event.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    working_days: int = 0
    months: int = 0
    basis: str = ""


RULES = {
    "contact_change": Rule("contact_change", "联系人等注册信息变更后报备本级政府办公室", working_days=20,
                           basis=f"{PLAN_DOC} 三（三）：变更后的20个工作日内报备"),
    "notice_period": Rule("notice_period", "域名调整后在新域名网站首页公告，期满注销原域名", months=3,
                          basis=f"{PLAN_DOC} 四（三）：首页醒目位置公告3个月"),
    "filing_cancellation": Rule("filing_cancellation", "域名注销后注销ICP备案、党政机关网站标识、公安备案", working_days=10,
                                basis=f"{PLAN_DOC} 三（五）：域名注销后及时注销（“及时”按10个工作日提醒）"),
}


@dataclass(frozen=True)
class DueDate:
    rule: str
    due: dt.date
    provisional: bool
    basis: str

    def to_json(self) -> dict:
        return {"due": self.due.isoformat(), "provisional": self.provisional, "rule": self.rule, "basis": self.basis}


def deadline(rule_name: str, event: dt.date, work_calendar: WorkCalendar | None = None) -> DueDate:
    rule = RULES[rule_name]
    cal = work_calendar or WorkCalendar()
    if rule.months:
        due = cal.next_workday(add_months(event, rule.months))
        return DueDate(rule.name, due, not cal.knows(due.year), rule.basis)
    due, provisional = cal.add_working_days(event, rule.working_days)
    return DueDate(rule.name, due, provisional, rule.basis)
