"""Sending the outbox: claim due rows, send them through the rate limiter, record what happened.

RetryAfter pushes the shared send budget back and retries without counting an attempt; a time-out is uncertain
(Telegram may have delivered it): one more try a minute later, then the row ends as 'uncertain'; Forbidden
marks the chat inactive; ChatMigrated moves the chat and resends; network errors retry with backoff; a bad
request is recorded and not retried. A row is marked sent only
after Telegram accepted it, so a crash never loses a message; a duplicate can only happen when the process
dies between Telegram's answer and the commit."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.db.storage import Database
from bot.delivery import pacing
from bot.ui.buttons import DEADLINE_DONE, DEADLINE_SNOOZE
from bot.ui.replies import REPLY_DEFAULTS

if TYPE_CHECKING:
    from bot.delivery import queue

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def reminder_buttons(deadline_id: int, due: dt.date) -> InlineKeyboardMarkup:
    """The 推迟 button names the due date it postpones: once the deadline moved, a replay is spent."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("已完成", callback_data=DEADLINE_DONE.encode(deadline_id)),
                                  InlineKeyboardButton("推迟一个工作日",
                                                       callback_data=DEADLINE_SNOOZE.encode(deadline_id, due))]])


SEND_READ_TIMEOUT = 30.0  # python-telegram-bot's 5 s default took a slow answer for a lost message
UNCERTAIN_RETRY_AFTER = dt.timedelta(seconds=60)  # one more try, well after a slow send would have landed
MAX_PACING_WAIT = 30.0  # longer than this: the row goes back to the queue instead of holding its claim


class _Countdown:
    """Set once `tick` has been called `count` times."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.event = asyncio.Event()
        if count <= 0:
            self.event.set()

    def tick(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.event.set()

    async def wait(self) -> None:
        await self.event.wait()


class Outbox:
    def __init__(self, db: Database, bot: Bot, clock: Callable[[], dt.datetime] = utc_now, batch: int = 30) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.batch = batch
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = asyncio.Lock()
        self._window = pacing.SendWindow()

    async def drain(self) -> int:
        """Send everything that is due now; returns how many rows were handled. Batches stay small (30, one
        second of Telegram's budget, one row per chat) so that replies to people never queue behind a long
        broadcast and one chat's queue never holds back the others.

        Two batches overlap: the next is claimed once every row of this one holds its slot in the budget and the
        batch before it is done, so its slots follow this batch's last without a gap (claiming only after the
        last send had been answered and recorded left the budget unused for that round trip, ~3% of a long
        broadcast), and no more than two batches (two seconds of the budget) are ever claimed at once. A chat's
        next message waits until its previous one is answered, so each chat still gets its messages in order."""
        if self._lock.locked():
            return 0  # the previous tick is still sending
        from bot.delivery import queue  # the ORM and the models load on the first tick, not before the first poll

        async with self._lock:
            handled = 0
            previous: asyncio.Future | None = None
            in_flight: dict[int, asyncio.Future] = {}  # the previous batch's send to each chat
            try:
                while True:
                    rows = await self.db.run(lambda s: queue.claim(s, self.worker, self.clock(), self.batch))
                    if not rows:
                        return handled
                    slotted = _Countdown(len(rows))
                    sends = {row.chat_id: asyncio.ensure_future(
                        self._send(row, slotted=slotted.tick, after=in_flight.get(row.chat_id))) for row in rows}
                    batch = asyncio.gather(*sends.values())
                    try:
                        await slotted.wait()
                        if previous is not None:
                            await previous
                    except BaseException:
                        await asyncio.gather(batch, return_exceptions=True)  # never leave a send behind
                        raise
                    previous, in_flight = batch, sends
                    handled += len(rows)
            finally:
                if previous is not None:
                    await previous

    async def _pace(self, target: int, slotted: Callable[[], None] | None = None) -> float:
        """Wait for this message's slot in the budget shared with every process (bot/delivery/pacing.py): one
        message every 3 s to a group, 30 per second overall. `slotted` is called once the overall slot is
        reserved (before its wait), or when pacing ends early. Returns the wait still ahead when it is too long
        to hold a claim for (the row is then put back), else 0."""
        steps = [(pacing.chat_key(target), pacing.GROUP_INTERVAL)] if target < 0 else []
        steps.append(("all", pacing.OVERALL_INTERVAL))
        try:
            for key, interval in steps:
                wait = await self.db.run(lambda s, key=key, interval=interval: pacing.reserve(s, key, interval))
                if key == "all" and slotted is not None:
                    slotted, signal = None, slotted
                    signal()
                if wait > MAX_PACING_WAIT:
                    return wait
                if wait > 0:
                    await asyncio.sleep(wait)
            return 0.0
        finally:
            if slotted is not None:
                slotted()

    async def _send(self, row: queue.Claimed, chat_id: int | None = None,
                    slotted: Callable[[], None] | None = None, after: asyncio.Future | None = None) -> None:
        from bot.delivery import chats, queue

        if after is not None:  # the same chat's message of the batch before: answered first
            await asyncio.wait([after])
        target = chat_id or row.chat_id
        text = ("（补发）" + row.text) if row.late else row.text
        markup = (reminder_buttons(row.deadline_id, row.deadline_due)
                  if row.deadline_id and row.deadline_due and row.kind in ("reminder", "overdue") else None)
        try:
            later = await self._pace(target, slotted)
            if later:
                await self._finish(row.id, error="waiting for the send budget", throttled=True,
                                   retry_at=self.clock() + dt.timedelta(seconds=later))
                return
            await self._window.wait_turn()
            # Explicit, not left to the bot's Defaults: the outbox also runs with a plain Bot (tests, the CLI).
            await self.bot.send_message(target, text, parse_mode=REPLY_DEFAULTS.parse_mode, reply_markup=markup,
                                        link_preview_options=REPLY_DEFAULTS.link_preview_options,
                                        read_timeout=SEND_READ_TIMEOUT)
        except RetryAfter as exc:  # a 429 is Telegram's pace, not a failure: every process waits, no attempt counted
            wait = pacing.flood_wait(exc)
            key = pacing.chat_key(target) if target < 0 else "all"
            await self.db.run(lambda s: (pacing.push_back(s, key, wait),
                                         queue.finish(s, row.id, self.clock(), error=f"RetryAfter {wait}", throttled=True,
                                                      retry_at=self.clock() + dt.timedelta(seconds=wait))))
        except TimedOut as exc:
            if str(exc).startswith("Pool timeout"):  # never left this process: an ordinary retry
                await self._finish(row.id, error=str(exc), retry_at=self.clock() + dt.timedelta(seconds=2))
                return
            # Telegram may have taken it: try once more, a minute later; a second time-out ends as 'uncertain'.
            log.warning("delivery %s timed out after %.0f s; it may have arrived%s", row.id, SEND_READ_TIMEOUT,
                        "" if row.uncertain else ", one more try in 60 s")
            await self._finish(row.id, error=f"timed out after {SEND_READ_TIMEOUT:.0f} s", uncertain=True,
                               retry_at=None if row.uncertain else self.clock() + UNCERTAIN_RETRY_AFTER)
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
            await self._finish(row.id, error="sent; an earlier try timed out and may have arrived too" if row.uncertain else "")

    async def _finish(self, delivery_id: int, **outcome: object) -> None:
        from bot.delivery import queue

        await self.db.run(lambda s: queue.finish(s, delivery_id, self.clock(), **outcome))
