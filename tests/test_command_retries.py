"""A command either did not happen (and the person was told so) or happened once (issue 27 item 4): a person told
“数据库暂时不可用” retries as told and gets one broadcast, one reminder; the same request re-delivered creates
nothing new and gets the first answer."""
from __future__ import annotations

import asyncio
import threading

from sqlmodel import select

from bot.db.models import Chat, Delivery
from bot.db.storage import UNAVAILABLE, UPDATE_WAIT
from tests.support.stall import hold_write_lock

ADMIN = 42
GROUPS = (-501, -502, -503)


async def _ready(app):
    await app.bot_data.warm_up
    db = app.bot_data.db
    db.call(lambda s: s.add_all([Chat(id=g, title=f"群{g}", subscribed=True) for g in GROUPS]))
    return db


def _broadcasts(db) -> list[Delivery]:
    return db.call(lambda s: s.exec(select(Delivery).where(Delivery.kind == "broadcast")).all())


async def _with_stalled_database(db, fake_api, push) -> None:
    """`push` an update while the database's write lock is held a little past the 4 s wait (the write would land
    later, behind the person's back); wait until the person is told 数据库暂时不可用 and the lock is gone."""
    held = threading.Event()
    blocker = threading.Thread(target=hold_write_lock, args=(db, UPDATE_WAIT + 2, held))
    blocker.start()
    held.wait(5)
    push()
    assert await fake_api.until(lambda calls: any(UNAVAILABLE in c.params.get("text", "") for c in calls), timeout=15)
    await asyncio.to_thread(blocker.join)
    await asyncio.sleep(1.0)  # whatever the stalled write was going to do, it has done by now


async def test_a_broadcast_retried_after_database_unavailable_goes_out_once(running_bot, fake_api):
    db = await _ready(running_bot)
    await _with_stalled_database(db, fake_api, lambda: fake_api.push_text("/broadcast 周五前报送", chat_id=ADMIN, user_id=ADMIN))
    fake_api.push_text("/broadcast 周五前报送", chat_id=ADMIN, user_id=ADMIN)  # retried, as told
    assert await fake_api.until(lambda calls: any("已排入发送队列" in c.params.get("text", "") for c in calls))
    assert await fake_api.until(lambda calls: {int(c.params["chat_id"]) for c in calls if c.method == "sendMessage"
                                               and "周五前报送" in c.params.get("text", "")} >= set(GROUPS))
    await asyncio.sleep(1.5)
    assert sorted(r.chat_id for r in _broadcasts(db)) == sorted(GROUPS)
    copies = [int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage") if "📢" in c.params.get("text", "")]
    assert sorted(copies) == sorted(GROUPS)


async def test_a_reminder_retried_after_database_unavailable_is_set_once(running_bot, fake_api):
    db = await _ready(running_bot)
    await _with_stalled_database(db, fake_api, lambda: fake_api.push_text("/remind 30分钟 开会", chat_id=ADMIN, user_id=ADMIN))
    fake_api.push_text("/remind 30分钟 开会", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("好的，将在" in c.params.get("text", "") for c in calls))
    rows = db.call(lambda s: s.exec(select(Delivery).where(Delivery.kind == "oneoff")).all())
    assert len(rows) == 1


async def test_the_same_request_again_creates_nothing_new(running_bot, fake_api):
    """The same /broadcast and /remind sent twice (an update re-delivered, a double send): the second gets the
    first's answer."""
    db = await _ready(running_bot)
    fake_api.push_text("/broadcast 请核对联系人", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("已排入发送队列：3" in c.params.get("text", "") for c in calls))
    fake_api.push_text("/broadcast 请核对联系人", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("没有重复发送" in c.params.get("text", "") for c in calls))
    assert sorted(r.chat_id for r in _broadcasts(db)) == sorted(GROUPS)
    for _ in range(2):
        fake_api.push_text("/remind 3小时 报送材料", chat_id=5001, user_id=5001)
    assert await fake_api.until(lambda calls: sum("好的，将在" in c.params.get("text", "") for c in calls) == 2)
    first, second = [t for t in fake_api.sent_texts(5001) if "好的，将在" in t]
    assert first == second  # the first's answer, the time it set included
    assert len(db.call(lambda s: s.exec(select(Delivery).where(Delivery.kind == "oneoff")).all())) == 1
    fake_api.push_text("/broadcast 另一条通知", chat_id=ADMIN, user_id=ADMIN)  # different text: a new broadcast
    assert await fake_api.until(lambda calls: sum("已排入发送队列：3" in c.params.get("text", "") for c in calls) == 2)


async def test_an_application_submitted_again_after_database_unavailable_is_registered_once(running_bot, fake_api):
    from bot.db.models import Application

    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db
    message = fake_api.make_message("x", chat_id=ADMIN, user_id=777000111)

    async def step(push, expect: str) -> None:
        before = len(fake_api.sent_texts(ADMIN))
        push()
        assert await fake_api.until(lambda calls: any(expect in t for t in fake_api.sent_texts(ADMIN)[before:]),
                                    timeout=15)

    for push, expect in [
        (lambda: fake_api.push_text("/apply", chat_id=ADMIN, user_id=ADMIN), "请选择申请的业务"),
        (lambda: fake_api.push_callback("ap:act:register", message, user_id=ADMIN), "申请单位全称"),
        (lambda: fake_api.push_text("武定县人民政府", chat_id=ADMIN, user_id=ADMIN), "请选择要注册的域名"),
        (lambda: fake_api.push_callback("ap:dom:0", message, user_id=ADMIN), "注册年限"),
        (lambda: fake_api.push_callback("ap:yr:10", message, user_id=ADMIN), "域名联系人"),
        (lambda: fake_api.push_text("张三 办公室主任 0878-8711677 zs@example.cn", chat_id=ADMIN, user_id=ADMIN),
         "请核对后提交"),
    ]:
        await step(push, expect)
    await _with_stalled_database(db, fake_api, lambda: fake_api.push_callback("ap:submit", message, user_id=ADMIN))
    await step(lambda: fake_api.push_callback("ap:submit", message, user_id=ADMIN), "已登记申请")  # tried again
    assert len(db.call(lambda s: s.exec(select(Application)).all())) == 1


def test_a_receipt_answers_repeats_within_the_window_on_both_databases(db):
    import datetime as dt

    from bot.delivery import receipts

    t0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    key = receipts.request_key("broadcast", 42, "周五前报送")

    def once(now):
        def work(session):
            earlier = receipts.first(session, key, now)
            if earlier is None:
                receipts.settle(session, key, f"first at {now:%H:%M}")
            return earlier
        return db.call(work)

    assert once(t0) is None
    assert once(t0 + dt.timedelta(minutes=9)) == "first at 01:00"  # a retry: the first's answer
    assert once(t0 + receipts.WINDOW + dt.timedelta(minutes=1)) is None  # the same text much later: a new request
    assert key != receipts.request_key("broadcast", 43, "周五前报送")
