"""The outbox claims its next batch while the current one is still being answered (no gap in the send budget
between batches), never holds more than two batches, and still gives each chat its messages in order."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.db.models import Delivery
from bot.delivery import pacing, queue
from bot.delivery.sender import Outbox
from tests.support.env import TEST_TOKEN

T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


async def test_batches_overlap_and_each_chat_keeps_its_order(db, fake_api, monkeypatch):
    monkeypatch.setattr(pacing, "OVERALL_INTERVAL", 0.01)
    chats = list(range(7001, 7009))  # private chats: paced by the overall budget only
    db.call(lambda s: [queue.enqueue(s, f"m{chat}:{n}", chat, f"第{n}条", T0 + dt.timedelta(seconds=n), "notice")
                       for n in range(3) for chat in chats])
    fake_api.delays["sendMessage"] = 0.2  # answered well after the next slot: the next batch must not wait for it
    claimed_while_sending: list[int] = []
    real_claim = queue.claim

    in_flight: list[int] = []

    def claim(session, worker, now, limit, **options):
        claimed_while_sending.append(len(fake_api.calls_to("sendMessage")))
        in_flight.append(session.exec(select(func.count()).select_from(Delivery).where(Delivery.status == "sending")).one())
        return real_claim(session, worker, now, limit, **options)

    monkeypatch.setattr(queue, "claim", claim)
    bot = Bot(TEST_TOKEN, base_url=fake_api.base_url, request=HTTPXRequest(connection_pool_size=32))
    await bot.initialize()
    try:
        outbox = Outbox(db, bot, lambda: T0 + dt.timedelta(minutes=1), batch=4)
        assert await outbox.drain() == 24
    finally:
        await bot.shutdown()
    sent = [(int(c.params["chat_id"]), c.params["text"]) for c in fake_api.calls_to("sendMessage")]
    assert sorted(sent) == sorted((chat, f"第{n}条") for n in range(3) for chat in chats)  # each once
    for chat in chats:
        assert [text for c, text in sent if c == chat] == ["第0条", "第1条", "第2条"]
    # The second claim came before the first batch's four sends had been answered: the batches overlapped.
    assert claimed_while_sending[1] < 4
    # At most two batches claimed at once: a claim never finds more than one other batch unanswered.
    assert max(in_flight) <= 4 and in_flight[1] > 0
    assert db.call(lambda s: s.exec(select(func.count()).select_from(Delivery).where(Delivery.status == "sent")).one()) == 24


async def test_bunched_slots_never_put_more_than_30_sends_in_one_second(db, fake_api, monkeypatch):
    """Slots woken late arrive bunched; the process's own window still keeps Telegram's 30 per second. Here the
    shared budget hands out 40 slots a second, so every second's 31st send is held back by the window alone."""
    monkeypatch.setattr(pacing, "OVERALL_INTERVAL", 1 / 40)
    fake_api.flood_limit = True
    chats = list(range(8001, 8046))  # 45 private chats, one message each
    db.call(lambda s: [queue.enqueue(s, f"w{chat}", chat, "通知", T0, "notice") for chat in chats])
    bot = Bot(TEST_TOKEN, base_url=fake_api.base_url, request=HTTPXRequest(connection_pool_size=64))
    await bot.initialize()
    try:
        assert await Outbox(db, bot, lambda: T0 + dt.timedelta(minutes=1)).drain() == 45
    finally:
        await bot.shutdown()
    assert fake_api.flood_hits == 0
    assert len(fake_api.calls_to("sendMessage")) == 45
