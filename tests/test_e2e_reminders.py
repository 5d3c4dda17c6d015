"""Reminders and broadcasts through the running bot: delivery outcomes, buttons, subscriptions,
a SIGKILL and restart, and two processes sharing PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import signal
import time
from collections import Counter

import pytest
from sqlmodel import select

from bot.db.models import Chat, Contact, Deadline, Delivery, Unit
from bot.db.storage import Database
from bot.deadlines import events, planning
from bot.delivery import queue
from tests.support.env import POSTGRES_URL, TEST_TOKEN
from tests.support.processes import bot_process, fresh_postgres, stop_processes

ADMIN = 42


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _db(app) -> Database:
    await app.bot_data.warm_up
    return app.bot_data.db


async def test_due_reminder_with_buttons_done_by_the_contact(running_bot, fake_api, clock):
    db = await _db(running_bot)
    tz = running_bot.bot_data.settings.timezone
    due = dt.date(2026, 12, 11)

    def setup(session):
        unit = Unit(name="武定县财政局", kind="department")
        session.add(unit)
        session.flush()
        session.add(Contact(unit_id=unit.id, name="李四", telegram_id=5001))
        return events.ensure_deadline(session, "e2e", "报备联系人变更：武定县财政局", due, unit_id=unit.id).id

    deadline_id = db.call(setup)
    clock.offset = dt.datetime(2026, 12, 11, 9, 0, 30, tzinfo=tz) - _now()  # the due day, 09:00:30 local
    from bot.runtime.jobs import replan

    await replan(running_bot)
    assert await fake_api.until(lambda calls: any("今天到期" in c.params.get("text", "") for c in calls), timeout=15)
    call = next(c for c in fake_api.calls_to("sendMessage") if "今天到期" in c.params.get("text", ""))
    buttons = [b["callback_data"] for row in json.loads(call.params["reply_markup"])["inline_keyboard"] for b in row]
    assert buttons == [f"dl:done:{deadline_id}", f"dl:snooze:{deadline_id}:{due:%Y%m%d}"]
    message = fake_api.make_message("x", chat_id=5001, user_id=777000111)
    fake_api.push_callback(f"dl:done:{deadline_id}", message, user_id=9999)  # not the contact
    assert await fake_api.until(lambda calls: any("负责的联系人" in c.params.get("text", "") for c in calls))
    fake_api.push_callback(f"dl:done:{deadline_id}", message, user_id=5001)
    assert await fake_api.until(lambda calls: any("已完成" in c.params.get("text", "") and c.method == "sendMessage" for c in calls))
    assert db.call(lambda s: s.get(Deadline, deadline_id).status) == "done"
    # Reminders that fell due earlier (5, 2, 1 days before) were sent late, once, marked as such.
    texts = fake_api.sent_texts(5001)
    assert sum("今天到期" in t for t in texts) == 1


async def test_delivery_outcomes_blocked_migrated_flood_and_server_errors(running_bot, fake_api):
    db = await _db(running_bot)
    fake_api.blocked.add(-2)
    fake_api.migrated[-3] = -1003
    fake_api.fail_next("sendMessage", 502, "Bad Gateway")
    fake_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})

    def setup(session):
        for chat in (-1, -2, -3, -4):
            session.add(Chat(id=chat, title=f"g{chat}", subscribed=True))
        session.flush()
        return queue.broadcast(session, "请于周五前报送清理情况", _now(), "t1")

    assert db.call(setup) == 4
    assert await fake_api.until(lambda calls: {int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"
                                               and "报送清理情况" in c.params.get("text", "")} >= {-1, -1003, -4}, timeout=20)
    wanted = {-1: "sent", -2: "failed", -1003: "sent", -4: "sent"}
    for _ in range(100):  # the 502 retries after a 2 s backoff
        rows = db.call(lambda s: {r.chat_id: r.status for r in s.exec(select(Delivery)).all()})
        if rows == wanted:
            break
        await __import__("asyncio").sleep(0.2)
    assert rows == wanted
    chats = db.call(lambda s: {c.id: (c.active, c.subscribed) for c in s.exec(select(Chat)).all()})
    assert chats[-2] == (False, True) and chats[-3] == (False, False) and chats[-1003] == (True, True)
    accepted = Counter(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage") if "报送清理情况" in c.params.get("text", ""))
    # -1 and -4 may each have been tried twice (the 502 and 429), but Telegram accepted each chat once
    assert set(accepted) >= {-1, -2, -3, -1003, -4}


async def test_subscribe_needs_group_admin_and_broadcast_reaches_the_group(running_bot, fake_api):
    fake_api.push_text("/subscribe", chat_id=-77, user_id=11, chat_type="group")
    assert "只有机器人管理员或单位已绑定的联系人" in (await fake_api.messages(1))[0]
    fake_api.group_admins.add(12)  # the group's own admin is not enough: anyone can make a group
    fake_api.push_text("/subscribe", chat_id=-77, user_id=12, chat_type="group")
    assert "只有机器人管理员或单位已绑定的联系人" in (await fake_api.messages(2))[1]
    db = await _db(running_bot)
    assert db.call(lambda s: s.get(Chat, -77)) is None
    fake_api.push_text("/subscribe", chat_id=-77, user_id=ADMIN, chat_type="group")
    assert await fake_api.until(lambda calls: any("已订阅" in c.params.get("text", "") for c in calls))
    unit_id = db.call(lambda s: (s.add(Unit(name="武定县财政局", kind="department")), s.flush(),
                                 s.exec(select(Unit.id)).one())[-1])
    fake_api.push_text("/subscribe 武定县财政局", chat_id=-77, user_id=12, chat_type="group")  # a group admin only
    assert await fake_api.until(lambda calls: sum("只有机器人管理员或单位已绑定的联系人" in c.params.get("text", "")
                                                  for c in calls) == 3)
    assert db.call(lambda s: s.get(Chat, -77).unit_id) is None
    fake_api.push_text("/subscribe 武定县财政局", chat_id=-77, user_id=ADMIN, chat_type="group")
    assert await fake_api.until(lambda calls: any("并作为" in c.params.get("text", "") for c in calls))
    assert db.call(lambda s: s.get(Chat, -77).unit_id) == unit_id
    deadline = db.call(lambda s: events.ensure_deadline(s, "grp", "x", dt.date(2026, 12, 11), unit_id=unit_id))
    assert db.call(lambda s: planning.recipients(s, deadline, {42}, overdue=False)) == [-77, 42]  # no linked contact
    fake_api.push_text("/broadcast 周五前报送", chat_id=5001, user_id=5001)
    assert await fake_api.until(lambda calls: any("只有管理员" in c.params.get("text", "") for c in calls))
    fake_api.push_text("/broadcast 周五前报送", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any(int(c.params.get("chat_id", 0)) == -77 and "📢" in c.params.get("text", "")
                                                  for c in calls), timeout=15)
    fake_api.push_text("/remind 2分钟 <b>交表</b>", chat_id=5001, user_id=5001)
    assert await fake_api.until(lambda calls: any("将在" in c.params.get("text", "") and "&lt;b&gt;" in c.params.get("text", "")
                                                  for c in calls))


def test_reminder_survives_sigkill_and_arrives_once(fake_api, tmp_path):
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    db = Database(url)
    db.upgrade()
    db.call(lambda s: queue.enqueue(s, "oneoff:kill", 5001, "⏰ 一分钟后的提醒", _now() + dt.timedelta(seconds=6), "oneoff"))
    first = bot_process(fake_api, url, tmp_path, "first")
    try:
        assert fake_api.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), timeout=20)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert fake_api.sent_texts(5001) == []  # killed before it was due
    second = bot_process(fake_api, url, tmp_path, "second")
    try:
        assert fake_api.wait_for(lambda calls: any("一分钟后的提醒" in c.params.get("text", "") for c in calls), timeout=30)
        time.sleep(2)
    finally:
        second.terminate()
        second.wait(20)
    assert sum("一分钟后的提醒" in t for t in fake_api.sent_texts(5001)) == 1
    assert db.call(lambda s: s.exec(select(Delivery.status)).one()) == "sent"


@pytest.mark.postgres
def test_two_processes_on_postgres_never_send_twice(fake_api, tmp_path):
    db = fresh_postgres()
    groups = list(range(-300, 0))

    def setup(session):
        session.add_all([Chat(id=g, title=f"g{g}", subscribed=True) for g in groups])
        session.flush()
        return queue.broadcast(session, "两个进程同时发送", _now() + dt.timedelta(seconds=5), "two")

    assert db.call(setup) == len(groups)
    procs = [bot_process(fake_api, POSTGRES_URL, tmp_path, f"p{i}") for i in range(2)]
    try:
        assert fake_api.wait_for(lambda calls: sum(c.method == "sendMessage" for c in calls) >= len(groups), timeout=90)
        time.sleep(2)
    finally:
        stop_processes(procs)
    sent = Counter(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage"))
    assert set(sent) == set(groups) and max(sent.values()) == 1
    workers = db.call(lambda s: set(s.exec(select(Delivery.status)).all()))
    assert workers == {"sent"}
    tokens = {c.token for c in fake_api.calls_to("getUpdates")}
    assert tokens == {TEST_TOKEN}
    db.dispose()
