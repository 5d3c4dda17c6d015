"""A group that becomes a supergroup keeps its subscription, digest and unit binding, under the new id, once
(issue 27 item 8): on the migration update, or on Telegram's 400 naming the new id; a broadcast queued for both
ids arrives once."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlmodel import select
from telegram import Bot

from bot.db.models import Chat, Delivery, Unit
from bot.delivery import chats, queue
from bot.delivery.sender import Outbox
from bot.runtime.bot_api import BotAPIRequest
from tests.support.env import TEST_TOKEN

T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


def _chats(db) -> dict[int, Chat]:
    return {c.id: c for c in db.call(lambda s: s.exec(select(Chat)).all())}


async def test_the_migration_update_moves_binding_and_subscription(running_bot, fake_api):
    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db

    def setup(session):
        unit = Unit(name="武定县财政局", kind="department")
        session.add(unit)
        session.flush()
        session.add(Chat(id=-600, title="财政局群", subscribed=True, digest=True, unit_id=unit.id))
        session.add(Chat(id=-100600, title="财政局群", type="supergroup"))  # someone wrote there first
        return unit.id

    unit_id = db.call(setup)
    fake_api.push({"message": fake_api.make_message(None, chat_id=-600, chat_type="group", migrate_to_chat_id=-100600)})
    fake_api.push({"message": fake_api.make_message(None, chat_id=-100600, chat_type="supergroup",
                                                    migrate_from_chat_id=-600)})
    fake_api.push_text("/start", chat_id=42, user_id=42)  # handled after the two above: a marker
    assert await fake_api.until(lambda calls: any(c.method == "sendMessage" and str(c.params.get("chat_id")) == "42"
                                                  for c in calls))
    found = _chats(db)
    assert (found[-100600].subscribed, found[-100600].digest, found[-100600].unit_id) == (True, True, unit_id)
    assert (found[-600].subscribed, found[-600].active, found[-600].unit_id) == (False, False, None)
    assert db.call(lambda s: queue.broadcast(s, "通知", T0, "after")) == 1  # the new id only


async def test_a_broadcast_queued_for_both_ids_arrives_once(db, fake_api):
    """The old group and the new supergroup were both subscribed (a group admin subscribed again in the
    supergroup): the broadcast was queued for both; the old id's copy answers 400 with the new id, which already
    has its own copy. Before, the old copy was moved and sent too: two copies."""
    db.call(lambda s: (s.add(Chat(id=-700, title="旧群", subscribed=True)),
                       s.add(Chat(id=-100700, title="新群", type="supergroup", subscribed=True))))
    assert db.call(lambda s: queue.broadcast(s, "请核对", T0, "both")) == 2
    fake_api.migrated[-700] = -100700
    bot = Bot(TEST_TOKEN, base_url=fake_api.base_url, request=BotAPIRequest(connection_pool_size=8))
    await bot.initialize()
    clock = [T0]
    outbox = Outbox(db, bot, lambda: clock[0])
    try:
        for _ in range(4):
            await outbox.drain()
            clock[0] += dt.timedelta(minutes=3)
    finally:
        await bot.shutdown()
    accepted = Counter(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage")
                       if int(c.params["chat_id"]) not in fake_api.migrated)
    assert accepted == {-100700: 1}
    rows = {r.key: r.status for r in db.call(lambda s: s.exec(select(Delivery)).all())}
    assert sorted(rows.values()) == ["cancelled", "sent"]
    assert not _chats(db)[-700].subscribed


def test_migrating_twice_moves_nothing_the_second_time(db):
    db.call(lambda s: s.add(Chat(id=-800, title="群", subscribed=True)))
    db.call(lambda s: queue.enqueue(s, "weekly:2026-W49:c-800", -800, "汇总", T0, "digest"))
    assert db.call(lambda s: chats.migrate_chat(s, -800, -100800)) is True
    assert db.call(lambda s: chats.migrate_chat(s, -800, -100800)) is False
    (row,) = db.call(lambda s: s.exec(select(Delivery)).all())
    assert (row.chat_id, row.key) == (-100800, "weekly:2026-W49:c-100800")
