"""Deadlines and the outbox: date arithmetic, planning, atomic claims, delivery outcomes — with a
controllable clock, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.db.models import Chat, Contact, Deadline, Delivery, Unit
from bot.db.storage import Database
from bot.deadlines import calendar, events, planning
from bot.delivery import chats, queue
from knowledge.when import parse_schedule, parse_when
from knowledge.workdays import WorkCalendar, YearSchedule, add_months, deadline, statutory_holidays

TZ = ZoneInfo("Asia/Shanghai")
D = dt.date.fromisoformat


@pytest.mark.parametrize("rule,event,due,provisional", [
    ("contact_change", "2026-09-30", "2026-11-03", False),   # National Day week and the 10-10 working Saturday
    ("contact_change", "2026-09-20", "2026-10-23", False),   # the event day (a working Sunday) does not count
    ("contact_change", "2026-02-10", "2026-03-16", False),   # Spring Festival, 02-14 and 02-28 worked
    ("contact_change", "2026-04-30", "2026-06-01", False),   # Labour Day, 05-09 worked
    ("contact_change", "2026-12-20", "2027-01-18", True),    # 2027 not published: weekends and 元旦, provisional
    ("notice_period", "2026-01-31", "2026-04-30", False),    # no 31st in April: the month's last day
    ("notice_period", "2026-11-30", "2027-03-01", True),     # 02-28 a Sunday: the next working day
    ("notice_period", "2026-03-15", "2026-06-15", False),
    ("filing_cancellation", "2026-09-30", "2026-10-20", False),
])
def test_policy_deadlines(rule, event, due, provisional):
    result = deadline(rule, D(event))
    assert (result.due, result.provisional) == (D(due), provisional)


def test_admin_entered_schedule_replaces_weekend_guess():
    # 2027's official schedule as the State Council would publish it: every statutory holiday, bridges, swaps.
    off = {D("2027-01-01"), *(D("2027-02-05") + dt.timedelta(days=n) for n in range(9)), D("2027-04-05"),
           *(D("2027-05-01") + dt.timedelta(days=n) for n in range(5)), D("2027-06-09"), D("2027-09-15"),
           *(D("2027-10-01") + dt.timedelta(days=n) for n in range(7)), D("2027-01-04")}
    cal = WorkCalendar({2027: YearSchedule(2027, frozenset(off), frozenset({D("2027-01-09")}))})
    assert not cal.is_workday(D("2027-01-04")) and cal.is_workday(D("2027-01-09"))
    due, provisional = cal.add_working_days(D("2026-12-31"), 3)
    assert not provisional and due == D("2027-01-07")  # 01-01 and 01-04 off, then 05, 06, 07
    assert add_months(D("2024-11-30"), 3) == D("2025-02-28") and add_months(D("2023-11-30"), 3) == D("2024-02-29")


def test_a_partial_schedule_is_not_taken_as_the_whole_year():
    """One day entered for 2027 must not make 春节 working days, nor the year's deadlines final."""
    cal = WorkCalendar({2027: YearSchedule(2027, frozenset({D("2027-01-04")}))})
    assert not cal.knows(2027)
    assert not cal.is_workday(D("2027-01-04"))  # what was entered counts
    assert not cal.is_workday(D("2027-02-08"))  # 春节 (正月初三, a Monday) still off
    due, provisional = cal.add_working_days(D("2027-02-04"), 1)
    assert provisional and due == D("2027-02-09")  # 除夕 02-05 … 初三 02-08 off
    assert YearSchedule(2027, frozenset({D("2027-01-04")})).missing_holidays()[0] == "元旦"


def test_a_provisional_year_knows_the_statutory_holidays():
    cal = WorkCalendar()
    assert not cal.knows(2031)
    # 2030-12-31 is a Tuesday: the next working day is not 元旦 but 01-02.
    assert cal.add_working_days(D("2030-12-31"), 1) == (D("2031-01-02"), True)
    assert not cal.is_workday(D("2031-10-02")) and cal.is_workday(D("2031-10-06"))
    assert statutory_holidays(2031)[D("2031-10-01")] == "中秋节、国庆节"  # 八月十五 falls on 10-01 that year
    names = {name for names in statutory_holidays(2031).values() for name in names.split("、")}
    assert names == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}


def test_a_period_of_months_ending_on_a_day_off_ends_on_the_next_working_day():
    # 2026-09-12 + 3 months = 2026-12-12, a Saturday: the notice period ends on Monday 12-14 (民法典 第二百零三条).
    assert deadline("notice_period", D("2026-09-12")) == deadline("notice_period", D("2026-09-12"))
    assert deadline("notice_period", D("2026-09-12")).due == D("2026-12-14")
    # ending inside the 国庆 holiday of 2026 (10-01 … 10-07 off, 10-10 a Saturday worked)
    assert deadline("notice_period", D("2026-07-02")).due == D("2026-10-08")


def test_parse_when_and_schedule():
    now = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert parse_when("2026-12-01 09:30 交报表", now, TZ) == (dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC), "交报表")
    assert parse_when("08:00 明早", now, TZ)[0] == dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
    assert parse_when("30分钟 喝水", now, TZ)[0] == now + dt.timedelta(minutes=30)
    for bad in ("", "明天", "2026-02-30 09:00 x", "2020-01-01 09:00 过去"):
        with pytest.raises(ValueError):
            parse_when(bad, now, TZ)
    year, off, work = parse_schedule(["2027", "休", "2027-02-10~2027-02-12", "班", "2027-02-07"])
    assert year == 2027 and len(off) == 3 and work == [D("2027-02-07")]
    with pytest.raises(ValueError):
        parse_schedule(["2027", "2027-01-01"])


SETTINGS = planning.ReminderSettings(timezone=TZ, send_time=dt.time(9, 0), offsets=(5, 2, 1, 0),
                                      overdue_offsets=(1,), admins=frozenset({42}))


def _unit_with_contact(db: Database, linked: bool = True) -> int:
    def work(session):
        unit = Unit(name="武定县财政局", kind="department")
        session.add(unit)
        session.flush()
        session.add(Contact(unit_id=unit.id, name="李四", telegram_id=7001 if linked else None))
        session.add(Chat(id=-1001, title="财政局群", unit_id=unit.id))
        return unit.id
    return db.call(work)


def test_planning_offsets_recipients_and_idempotence(db):
    unit_id = _unit_with_contact(db)
    db.call(lambda s: events.ensure_deadline(s, "k1", "报备联系人变更", D("2026-12-11"), unit_id=unit_id))
    now = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    assert db.call(lambda s: planning.plan(s, SETTINGS, now)) > 0
    rows = db.call(lambda s: s.exec(select(Delivery).order_by(Delivery.due_at, Delivery.chat_id)).all())
    reminders_ = [r for r in rows if r.kind == "reminder"]
    # 5, 2, 1 working days before 2026-12-11 (Fri), and the day itself, at 09:00 Shanghai = 01:00 UTC, to the contact
    assert [r.due_at.astimezone(TZ).date() for r in reminders_] == [D("2026-12-04"), D("2026-12-09"), D("2026-12-10"), D("2026-12-11")]
    assert {r.chat_id for r in reminders_} == {7001} and reminders_[0].due_at.astimezone(TZ).hour == 9
    overdue = [r for r in rows if r.kind == "overdue"]
    assert {r.chat_id for r in overdue} == {-1001, 42, 7001}  # the contact, the unit's group and the admins
    assert [r.due_at.astimezone(TZ).date() for r in overdue][0] == D("2026-12-14")
    assert db.call(lambda s: planning.plan(s, SETTINGS, now)) == 0  # nothing twice


def test_contact_without_telegram_is_reminded_through_group_and_admins(db):
    unit_id = _unit_with_contact(db, linked=False)
    db.call(lambda s: events.ensure_deadline(s, "k2", "x", D("2026-12-11"), unit_id=unit_id))
    db.call(lambda s: planning.plan(s, SETTINGS, dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
    reminded = set(db.call(lambda s: s.exec(select(Delivery.chat_id).where(Delivery.kind == "reminder")).all()))
    assert reminded == {-1001, 42}


def test_old_campaign_stays_quiet_and_done_or_snoozed_cancels_pending(db):
    db.call(events.sync_campaigns)
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    assert db.call(lambda s: planning.plan(s, SETTINGS, now)) == 0  # 2019 milestones: no messages
    assert db.call(lambda s: len(s.exec(select(Deadline)).all())) == 4
    unit_id = _unit_with_contact(db)
    row = db.call(lambda s: events.ensure_deadline(s, "k3", "x", D("2026-12-11"), unit_id=unit_id))
    db.call(lambda s: planning.plan(s, SETTINGS, now))
    snoozed = db.call(lambda s: events.snooze(s, row.id, "telegram:7001"))
    assert snoozed.due == D("2026-12-14")
    assert db.call(lambda s: s.exec(select(Delivery).where(Delivery.status == "pending")).all()) == []
    db.call(lambda s: planning.plan(s, SETTINGS, now))
    assert db.call(lambda s: len(s.exec(select(Delivery).where(Delivery.status == "pending")).all())) > 0
    db.call(lambda s: events.mark_done(s, row.id, "telegram:7001", now))
    assert db.call(lambda s: s.exec(select(Delivery).where(Delivery.status == "pending")).all()) == []


def test_claims_are_atomic_and_stale_claims_come_back(db):
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    for i in range(10):
        db.call(lambda s, i=i: queue.enqueue(s, f"t{i}", -i - 1, "x", now - dt.timedelta(seconds=i), "broadcast"))
    assert not db.call(lambda s: queue.enqueue(s, "t0", -1, "x", now, "broadcast"))  # same key: ignored
    first = db.call(lambda s: queue.claim(s, "w1", now, limit=6))
    second = db.call(lambda s: queue.claim(s, "w2", now, limit=6))
    assert len(first) == 6 and len(second) == 4 and not {c.id for c in first} & {c.id for c in second}
    assert db.call(lambda s: queue.claim(s, "w3", now)) == []
    assert db.call(lambda s: queue.release_stale(s, now + dt.timedelta(minutes=10))) == 10
    assert len(db.call(lambda s: queue.claim(s, "w4", now + dt.timedelta(minutes=10)))) == 10


def test_outcomes_retry_fail_migrate_and_deactivate(db):
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    db.call(lambda s: s.add(Chat(id=-5, title="g", subscribed=True)))
    db.call(lambda s: queue.enqueue(s, "a", -5, "x", now, "broadcast"))
    claimed = db.call(lambda s: queue.claim(s, "w", now))[0]
    db.call(lambda s: queue.finish(s, claimed.id, now, error="timeout", retry_at=now + dt.timedelta(seconds=30)))
    assert db.call(lambda s: queue.claim(s, "w", now)) == []
    assert len(db.call(lambda s: queue.claim(s, "w", now + dt.timedelta(seconds=31)))) == 1
    db.call(lambda s: chats.migrate_chat(s, -5, -1005))
    row = db.call(lambda s: s.exec(select(Delivery)).one())
    assert row.chat_id == -1005
    known = db.call(lambda s: {c.id: (c.subscribed, c.active) for c in s.exec(select(Chat)).all()})
    assert known == {-5: (False, False), -1005: (True, True)}
    db.call(lambda s: chats.deactivate_chat(s, -1005))
    assert db.call(lambda s: queue.broadcast(s, "x", now, "b1")) == 0


def test_registry_events_start_deadlines(db, tmp_path):
    from bot.registry.edits import set_domain_fields, upsert_contact
    from bot.registry.export import write_table
    from bot.registry.importer import import_file
    from tests.support.samples import ROWS

    path = tmp_path / "r.xlsx"
    write_table(path, ROWS)
    import_file(db.call, path.read_bytes(), path.name, "test")  # czj.wuding.gov.cn is 公告中 since 2026-01-31
    keys = db.call(lambda s: {d.key: d.due for d in s.exec(select(Deadline)).all()})
    assert any(k.startswith("notice_period:") and v == D("2026-04-30") for k, v in keys.items())
    db.call(lambda s: set_domain_fields(s, "www.wuding.gov.cn", "t", status="已注销", changed_on=D("2026-09-30")))
    db.call(lambda s: upsert_contact(s, "武定县人民政府", "张晓霞", "t", phone="0878-1234567"))
    rules = db.call(lambda s: {d.rule: d.due for d in s.exec(select(Deadline)).all()})
    assert rules["filing_cancellation"] == D("2026-10-20") and "contact_change" in rules


def test_admins_are_warned_from_november_when_next_years_schedule_is_missing(db):
    from bot.config.settings import load_settings
    from bot.runtime.jobs import warn_missing_schedule

    settings = load_settings(bot_admin_ids="42,43")
    now = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)
    assert db.call(lambda s: warn_missing_schedule(s, settings, now, D("2026-10-30"))) == 0  # not yet November
    assert db.call(lambda s: warn_missing_schedule(s, settings, now, D("2026-11-28"))) == 2
    assert db.call(lambda s: warn_missing_schedule(s, settings, now, D("2026-11-29"))) == 0  # once a week
    db.call(lambda s: calendar.enter_schedule(s, 2027, [D("2027-01-01")], [], "test"))
    assert db.call(lambda s: warn_missing_schedule(s, settings, now, D("2026-12-07"))) == 2  # one day is not the year
    db.call(lambda s: calendar.enter_schedule(s, 2027, sorted(statutory_holidays(2027)), [], "test"))
    assert db.call(lambda s: warn_missing_schedule(s, settings, now, D("2026-12-14"))) == 0  # entered: quiet
    text = db.call(lambda s: s.exec(select(Delivery.text)).first())
    assert "2027" in text and "/holidays" in text


def test_entering_a_partial_schedule_says_it_is_partial():
    partial = calendar.schedule_summary(2027, [D("2027-01-01")], [])
    assert "没有包含春节、清明节" in partial and "暂定" in partial
    full = calendar.schedule_summary(2027, sorted(statutory_holidays(2027)), [])
    assert "没有包含" not in full and "此后的期限按此计算" in full
