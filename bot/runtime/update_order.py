"""Updates from different chats are handled side by side; updates from one chat strictly in the order sent.

While one chat's answer waits on the network or the database, the next chat's message is already being
worked on; a person who sends two messages still gets the two answers in order. Each handled update is reported
to the inbox (bot/runtime/inbox.py): only then may Telegram forget it."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.db.storage import UpdateSlot

if TYPE_CHECKING:
    from bot.runtime.inbox import Inbox

# python-telegram-bot takes its own semaphore before do_process_update and does not promise first-come,
# first-served; with room for every update it never waits there, so updates reach the per-chat locks below
# in the order they arrived, and the real limit is applied after that.
_NO_LIMIT = 1_000_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int, inbox: Inbox | None = None) -> None:
        super().__init__(_NO_LIMIT)
        self.inbox = inbox  # told when each update is handled: only then may Telegram forget it
        self.limit = max_concurrent_updates
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}  # lock and how many updates hold or await it

    @staticmethod
    def chat_key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_order(update, coroutine)
        finally:
            if self.inbox is not None and isinstance(update, Update):
                self.inbox.done(update.update_id)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.chat_key(update)
        if key is None:
            async with UpdateSlot(self._running):
                await coroutine
            return
        lock, users = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, users + 1)
        try:
            async with lock, UpdateSlot(self._running):  # given up while it waits on the database
                await coroutine
        finally:
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    @property
    def active_chats(self) -> int:
        """Chats with an update being handled or queued behind one."""
        return len(self._chats)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
