"""Chats are answered side by side, each chat's messages strictly in order, at most `limit` at a time."""
from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update, User

from bot.runtime.update_order import PerChatUpdateProcessor


def text_update(update_id: int, chat_id: int) -> Update:
    user = User(chat_id, "用户", False)
    message = Message(update_id, None, Chat(chat_id, Chat.PRIVATE), from_user=user, text=f"m{update_id}")
    return Update(update_id, message=message)


async def feed(processor: PerChatUpdateProcessor, updates: list[Update], work) -> None:
    """As python-telegram-bot does with concurrent updates: one task per update, created in arrival order."""
    tasks = [asyncio.create_task(processor.process_update(u, work(u))) for u in updates]
    await asyncio.gather(*tasks)


async def test_one_chat_in_order_other_chats_alongside_within_the_limit():
    processor = PerChatUpdateProcessor(3)
    rng = random.Random(7)
    updates = [text_update(i, 100 + rng.randrange(5)) for i in range(60)]
    finished: list[Update] = []
    running, peak = 0, 0

    async def work(update: Update) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(rng.random() / 200)  # answers take different times
        running -= 1
        finished.append(update)

    await feed(processor, updates, work)
    for chat_id in {u.effective_chat.id for u in updates}:
        ids = [u.update_id for u in finished if u.effective_chat.id == chat_id]
        assert ids == sorted(ids)
    assert peak == 3
    assert processor.active_chats == 0


async def test_a_slow_chat_does_not_hold_up_another():
    processor = PerChatUpdateProcessor(4)
    finished: list[int] = []

    async def work(update: Update) -> None:
        await asyncio.sleep(0.2 if update.update_id == 1 else 0)
        finished.append(update.update_id)

    await feed(processor, [text_update(1, 501), text_update(2, 501), text_update(3, 502)], work)
    assert finished == [3, 1, 2]


async def test_a_failing_update_releases_its_chat():
    processor = PerChatUpdateProcessor(2)
    finished: list[int] = []

    async def work(update: Update) -> None:
        if update.update_id == 1:
            raise RuntimeError("handler failed")
        finished.append(update.update_id)

    tasks = [asyncio.create_task(processor.process_update(u, work(u))) for u in (text_update(1, 9), text_update(2, 9))]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and finished == [2]
    assert processor.active_chats == 0
