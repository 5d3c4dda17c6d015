"""Sending the outbox: claim due rows, send them through the rate limiter, record what happened.

RetryAfter waits and retries; Forbidden marks the chat inactive; ChatMigrated moves the chat and resends;
network errors retry with backoff; a bad request is recorded and not retried. A row is marked sent only
after Telegram accepted it, so a crash never loses a message; a duplicate can only happen when the process
dies between Telegram's answer and the commit."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.db.storage import Database
from bot.delivery import chats, queue

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def reminder_buttons(deadline_id: int, due: dt.date) -> InlineKeyboardMarkup:
    """The 推迟 button names the due date it postpones: once the deadline moved, a replay is spent."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("已完成", callback_data=f"dl:done:{deadline_id}"),
                                  InlineKeyboardButton("推迟一个工作日",
                                                       callback_data=f"dl:snooze:{deadline_id}:{due:%Y%m%d}")]])


class Outbox:
    def __init__(self, db: Database, bot: Bot, clock: Callable[[], dt.datetime] = utc_now, batch: int = 30) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.batch = batch
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = asyncio.Lock()
        # Telegram's limits, 30 messages/s overall and 20/min per group, as a steady pace without bursts
        # (a burst of 30 then 30/s can put 60 in one sliding second and earn a 429).
        self._overall = AsyncLimiter(1, 1 / 30)
        self._groups: dict[int, AsyncLimiter] = {}

    async def drain(self) -> int:
        """Send everything that is due now; returns how many rows were handled. Batches stay small (30, one
        second of Telegram's budget) so that replies to people never queue behind a long broadcast."""
        if self._lock.locked():
            return 0  # the previous tick is still sending
        async with self._lock:
            handled = 0
            while True:
                rows = await self.db.run(lambda s: queue.claim(s, self.worker, self.clock(), self.batch))
                if not rows:
                    return handled
                await asyncio.gather(*(self._send(row) for row in rows))
                handled += len(rows)

    async def _send(self, row: queue.Claimed, chat_id: int | None = None) -> None:
        target = chat_id or row.chat_id
        text = ("（补发）" + row.text) if row.late else row.text
        markup = (reminder_buttons(row.deadline_id, row.deadline_due)
                  if row.deadline_id and row.deadline_due and row.kind in ("reminder", "overdue") else None)
        try:
            if target < 0:
                await self._groups.setdefault(target, AsyncLimiter(1, 3)).acquire()
            await self._overall.acquire()
            await self.bot.send_message(target, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                        link_preview_options=NO_PREVIEW)
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
            await self._finish(row.id, error=f"RetryAfter {wait}", retry_at=self.clock() + dt.timedelta(seconds=wait))
        except Forbidden as exc:
            reason = exc.message
            log.info("chat %s is no longer reachable: %s", target, reason)
            await self.db.run(lambda s: (queue.finish(s, row.id, self.clock(), error=reason, failed=True),
                                         chats.deactivate_chat(s, target)))
        except ChatMigrated as exc:
            new_id = exc.new_chat_id
            log.info("chat %s migrated to %s", target, new_id)
            await self.db.run(lambda s: chats.migrate_chat(s, target, new_id))
            if chat_id is None:
                await self._send(row, new_id)
            else:
                await self._finish(row.id, error="chat migrated twice", failed=True)
        except BadRequest as exc:
            log.warning("delivery %s refused: %s", row.id, exc.message)
            await self._finish(row.id, error=exc.message, failed=True)
        except (NetworkError, TelegramError) as exc:
            backoff = min(300, 2 ** (row.attempts + 1))
            await self._finish(row.id, error=str(exc), retry_at=self.clock() + dt.timedelta(seconds=backoff))
        else:
            await self._finish(row.id)

    async def _finish(self, delivery_id: int, **outcome: object) -> None:
        await self.db.run(lambda s: queue.finish(s, delivery_id, self.clock(), **outcome))
