"""Replies are paced against Telegram's limits in the budget the outbox shares (issue 27 item 9): a flood of
updates together with a broadcast queues briefly instead of drawing 429s."""
from __future__ import annotations

from bot.db.models import Chat
from bot.delivery import queue

USERS = range(60001, 60091)  # 90 people writing at once
GROUPS = range(-60020, -60000)


async def test_a_flood_of_updates_and_a_broadcast_draw_no_429(running_bot, fake_api, clock):
    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db
    fake_api.flood_limit = True  # Telegram's 30 messages/s overall, 20/min per group

    def setup(session):
        session.add_all([Chat(id=g, title=f"群{g}", subscribed=True) for g in GROUPS])
        session.flush()
        return queue.broadcast(session, "请于周五前报送", clock(), "flood")

    for user in USERS:
        fake_api.push_text("/start", chat_id=user, user_id=user)
    assert db.call(setup) == len(GROUPS)
    expected = set(USERS) | set(GROUPS)
    assert await fake_api.until(lambda calls: {int(c.params.get("chat_id", 0)) for c in calls
                                               if c.method == "sendMessage"} >= expected, timeout=30)
    assert fake_api.flood_hits == 0
