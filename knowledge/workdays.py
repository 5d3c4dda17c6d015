"""Working-day and calendar-period arithmetic for the policy's deadlines (pure).

- Working days follow China's official schedule (holidays and adjusted working weekends) from the
  chinese_calendar package, or a schedule an admin entered for a year the package does not know yet.
  A year known to neither is computed on weekends alone and the result is marked provisional.
- A period counts from the day after the event (民法典 第二百零一条): "20 working days after a change"
  ends on the 20th working day after the change date.
- A period of months ends on the same day number of the last month, or that month's last day when it has
  no such day (民法典 第二百零二条).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar

from knowledge.policy import PLAN_DOC

MAX_WORKING_DAYS = 3660  # a guard against absurd requests: about ten years of working days


@dataclass(frozen=True)
class YearSchedule:
    """An admin-entered official schedule: days off that are not weekends, and weekend days worked."""
    year: int
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()


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
        if year in self.schedules:
            return True
        if year not in self._known:
            self._known[year] = package_knows(year)
        return self._known[year]

    def is_workday(self, day: dt.date) -> bool:
        schedule = self.schedules.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            return day.weekday() < 5 and day not in schedule.holidays
        if self.knows(day.year):
            return _package_workday(day)
        return day.weekday() < 5  # provisional: weekends only

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
        return DueDate(rule.name, add_months(event, rule.months), False, rule.basis)
    due, provisional = cal.add_working_days(event, rule.working_days)
    return DueDate(rule.name, due, provisional, rule.basis)
