"""Reading the dates and times staff type: one-off reminder times and a year's holiday schedule."""
from __future__ import annotations

import datetime as dt
import re

MAX_AHEAD = dt.timedelta(days=366)  # a reminder further ahead than a year is almost certainly a typo


def _iso_date(text: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", text):  # ASCII only: fromisoformat takes odd digits
        raise ValueError(text)
    year, month, day = (int(p) for p in text.split("-"))
    return dt.date(year, month, day)


_AT = re.compile(r"^(?:(\d{4}-\d{1,2}-\d{1,2})\s+)?(\d{1,2}):(\d{2})\s+(.+)$", re.S)
_IN = re.compile(r"^(\d{1,4})\s*(分钟|min|m|小时|h)\s+(.+)$", re.S | re.I)


def parse_when(text: str, now: dt.datetime, tz) -> tuple[dt.datetime, str]:
    """'2026-12-01 09:00 文本', '09:00 文本' (today, or tomorrow if past) or '30分钟 文本' → (UTC time, text)."""
    text = text.strip()
    match = _IN.match(text)
    if match:
        amount = int(match[1])
        delta = dt.timedelta(hours=amount) if match[2].lower() in ("小时", "h") else dt.timedelta(minutes=amount)
        if delta <= dt.timedelta(0) or delta > MAX_AHEAD:
            raise ValueError("提醒时间须在一年之内")
        return now + delta, match[3].strip()
    match = _AT.match(text)
    if not match:
        raise ValueError("时间格式：/remind 2026-12-01 09:00 内容，或 /remind 09:00 内容，或 /remind 30分钟 内容")
    local_now = now.astimezone(tz)
    try:
        day = dt.date.fromisoformat("-".join(p.zfill(2) for p in match[1].split("-"))) if match[1] else local_now.date()
        at = dt.datetime.combine(day, dt.time(int(match[2]), int(match[3])), tz)
    except ValueError:
        raise ValueError("日期或时间无效") from None
    if not match[1] and at <= local_now:
        at += dt.timedelta(days=1)
    if at <= local_now:
        raise ValueError("提醒时间已经过去")
    if at - local_now > MAX_AHEAD:
        raise ValueError("提醒时间不能超过一年之后")
    return at.astimezone(dt.UTC), match[4].strip()


def parse_schedule(args: list[str]) -> tuple[int, list[dt.date], list[dt.date]]:
    """'2027 休 2027-01-01 2027-02-10~2027-02-16 班 2027-02-07' → (2027, days off, working weekend days)."""
    usage = "用法：/holidays 2027 休 2027-01-01 2027-02-10~2027-02-16 班 2027-02-07"
    if not args or not re.fullmatch(r"20[0-9][0-9]", args[0]):  # ASCII digits only: '²'.isdigit() is True
        raise ValueError(usage)
    groups: dict[str, list[str]] = {"off": [], "work": []}
    target = None
    for token in args[1:]:
        if token in ("休", "off", "放假"):
            target = groups["off"]
        elif token in ("班", "work", "上班"):
            target = groups["work"]
        elif target is None:
            raise ValueError(usage)
        else:
            target.append(token)
    if not groups["off"]:
        raise ValueError(usage)
    year = int(args[0])
    return year, *check_schedule(year, parse_day_ranges(groups["off"]), parse_day_ranges(groups["work"]))


def parse_day_ranges(tokens: list[str]) -> list[dt.date]:
    """'2027-02-10~2027-02-16' and '2027-01-01' → every day they name (a range spans at most a month)."""
    days: list[dt.date] = []
    for token in tokens:
        start_text, _, end_text = token.replace("..", "~").partition("~")
        try:
            start = _iso_date(start_text)
            end = _iso_date(end_text) if end_text else start
        except ValueError:
            raise ValueError(f"“{token[:30]}”不是日期") from None
        if (end - start).days > 31 or end < start:
            raise ValueError(f"“{token[:30]}”范围不对")
        days += [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return days


def check_schedule(year: int, off: list[dt.date], work: list[dt.date]) -> tuple[list[dt.date], list[dt.date]]:
    """The days of one year's schedule, each once, sorted; a day both off and working, or in another year, is refused."""
    off_days, work_days = sorted(set(off)), sorted(set(work))
    both = set(off_days) & set(work_days)
    if both:
        raise ValueError(f"{min(both).isoformat()} 不能既放假又上班")
    stray = [d for d in off_days + work_days if d.year != year]
    if stray:
        raise ValueError(f"{stray[0].isoformat()} 不在 {year} 年内")
    return off_days, work_days


_DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?\d{1,2}:\d{2}(?::\d{2})?)?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_day(text: str) -> dt.date | None:
    """2019-02-25, 2019/2/25, 2019.2.25, 2019年2月25日, 20190225 → a date; None when the text is not a date;
    ValueError when it looks like one but is not a real day (2019-02-30)."""
    t = (text or "").strip().replace(" ", "")
    if not t.isascii() and "年" not in t:
        return None
    match = _DAY.fullmatch(t) or _COMPACT_DAY.fullmatch(t)
    if not match:
        return None
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


# -- how far a date may be ---------------------------------------------------------------------------------
# The one place that says which dates are plausible. A date outside these is a typo (or an attack: a campaign
# step on 9999-12-31 overflowed the working-day arithmetic and stopped reminder planning for everyone).
EARLIEST_EVENT = dt.date(1990, 1, 1)  # before the first .gov.cn rules; an old domain's 注册日期 may be 1998
EARLIEST_PLAN = dt.date(2000, 1, 1)
PLAN_YEARS = 10  # a plan (a campaign step, an expiry, an application's term) at most this many years ahead


class DateOutOfRange(ValueError):
    """A date too far back or ahead; the message (Chinese) says the range."""


def latest_plan(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year + PLAN_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PLAN_YEARS, day=28)


def check_plan_day(day: dt.date, today: dt.date, what: str = "日期") -> dt.date:
    """A day something is planned for (a campaign step, an expiry date): 2000-01-01 … today + 10 years."""
    last = latest_plan(today)
    if not EARLIEST_PLAN <= day <= last:
        raise DateOutOfRange(f"{what} {day.isoformat()} 超出范围：须在 {EARLIEST_PLAN.isoformat()} 至 {last.isoformat()} 之间")
    return day


def check_event_day(day: dt.date, today: dt.date, what: str = "日期") -> dt.date:
    """A day something already happened (a status change, a new contact, a registration): 1990-01-01 … today."""
    if day > today:
        raise DateOutOfRange(f"{what} {day.isoformat()} 还没到：请写事情已经发生的日期（今天或以前）")
    if day < EARLIEST_EVENT:
        raise DateOutOfRange(f"{what} {day.isoformat()} 太早：须在 {EARLIEST_EVENT.isoformat()} 之后")
    return day


def plausible_plan_day(day: dt.date, today: dt.date) -> bool:
    """`check_plan_day` as a test, for dates stored before they were bounded (planning skips the others)."""
    return EARLIEST_EVENT <= day <= latest_plan(today)
