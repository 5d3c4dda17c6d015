"""Telegram's limits as a budget that every bot process on one database shares.

Each message reserves the next free slot of its keys with one atomic statement (INSERT … ON CONFLICT DO UPDATE
… RETURNING): 'all' for 30 messages/s overall, 'c<chat>' for one message every 3 s to a group. The row holds the
earliest time the next message may go; the database's clock decides on PostgreSQL, so processes on several
hosts share one pace. On SQLite (one host) the process clock is used. A 429 pushes the key back by what
Telegram asked for, for every process at once."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from contextvars import ContextVar
from typing import TYPE_CHECKING

from sqlalchemy import text
from telegram.error import RetryAfter

if TYPE_CHECKING:
    from sqlmodel import Session

OVERALL_INTERVAL = 1 / 28  # Telegram: about 30 messages/s; a margin for the jitter between slot and arrival
GROUP_INTERVAL = 3.0  # Telegram: 20 messages per minute to one group
MAX_FLOOD_WAIT = 60.0  # a 429 asking for longer is waited out in several steps
WINDOW_LIMIT, WINDOW_SECONDS = 30, 1.05  # this process never sends more than Telegram's 30 in one second

_RESERVE = {
    "postgresql": """
        INSERT INTO send_pace (key, next_at) VALUES (:key, extract(epoch from clock_timestamp()) + :interval)
        ON CONFLICT (key) DO UPDATE
            SET next_at = greatest(send_pace.next_at, extract(epoch from clock_timestamp())) + :interval
        RETURNING next_at - :interval - extract(epoch from clock_timestamp())""",
    "sqlite": """
        INSERT INTO send_pace (key, next_at) VALUES (:key, :now + :interval)
        ON CONFLICT (key) DO UPDATE SET next_at = max(send_pace.next_at, :now) + :interval
        RETURNING next_at - :interval - :now""",
}
_PUSH_BACK = {
    "postgresql": """
        INSERT INTO send_pace (key, next_at) VALUES (:key, extract(epoch from clock_timestamp()) + :wait)
        ON CONFLICT (key) DO UPDATE
            SET next_at = greatest(send_pace.next_at, extract(epoch from clock_timestamp()) + :wait)""",
    "sqlite": """
        INSERT INTO send_pace (key, next_at) VALUES (:key, :now + :wait)
        ON CONFLICT (key) DO UPDATE SET next_at = max(send_pace.next_at, :now + :wait)""",
}


def chat_key(chat_id: int) -> str:
    return f"c{chat_id}"


def _dialect(session) -> str:
    """A Session's or a Core Connection's database."""
    return (session.get_bind() if hasattr(session, "get_bind") else session).dialect.name


def reserve(session: Session, key: str, interval: float) -> float:
    """Take the next slot under `key`; returns how many seconds to wait before sending (0 when free now)."""
    dialect = _dialect(session)
    wait = session.execute(text(_RESERVE[dialect]), {"key": key, "interval": interval, "now": time.time()}).scalar_one()
    return max(0.0, float(wait))


def push_back(session: Session, key: str, wait: float) -> None:
    """Telegram answered 429 under `key`: no process sends there for `wait` seconds."""
    dialect = session.get_bind().dialect.name
    session.execute(text(_PUSH_BACK[dialect]), {"key": key, "wait": wait, "now": time.time()})


def flood_wait(exc: RetryAfter) -> float:
    """The seconds a 429 asks for (python-telegram-bot gives int or timedelta, depending on its version)."""
    value = exc.retry_after
    seconds = value if isinstance(value, (int, float)) else value.total_seconds()
    return min(max(float(seconds), 0.0), MAX_FLOOD_WAIT)


class SendWindow:
    """This process's last sends: at most `limit` within any `seconds`, whatever slots the shared budget gave.

    The budget spaces the slots, but a task woken late by a busy loop sends right behind the next one on time,
    and such bunching can put 31 messages inside one second at Telegram. At the budget's own pace (28/s) the
    window never waits; it only takes out the bunching."""

    def __init__(self, limit: int = WINDOW_LIMIT, seconds: float = WINDOW_SECONDS) -> None:
        self.seconds = seconds
        self._sent: deque[float] = deque(maxlen=limit)
        self._lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        async with self._lock:  # in arrival order: the order of the budget's slots
            if len(self._sent) == self._sent.maxlen:
                wait = self._sent[0] + self.seconds - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            self._sent.append(time.monotonic())


# -- replies ------------------------------------------------------------------------------------------------
PACED_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "copyMessage",
                           "forwardMessage"})
PRIVATE_INTERVAL, PRIVATE_BURST = 1.0, 20  # Telegram: about one a second in one chat, short bursts tolerated
GROUP_LIMIT, GROUP_WINDOW = 20, 60.0  # Telegram: 20 messages a minute to one group
LEASE = 8  # slots of the overall budget taken at once from the database by the replies of one process
BUDGET_WAIT = 0.5  # seconds a reply waits on the database for its slot; longer: this process's own window only
BUDGET_PAUSE = 10.0  # after such a miss the replies leave the database alone this long (no queue of misses)
outbox_paced: ContextVar[bool] = ContextVar("outbox_paced", default=False)  # set by the outbox: its send is paced


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens, self.at = tokens, at


class ReplyPacer:
    """Everything the handlers send (replies, files) paced against Telegram's limits, in the budget the outbox
    uses: per person, a burst then one message a second; per group, 20 in any minute;
    overall, slots of the shared 'all' key (bot/delivery/pacing.py), taken LEASE at a time in one statement so a
    busy process makes a few database trips a second, not one per reply; and this process's window of 30 sends
    a second, shared with the outbox. A flood of updates then queues briefly instead of drawing 429s. When the
    database does not answer within BUDGET_WAIT the window alone paces (a stalled database does not stall
    replies)."""

    def __init__(self, db, window: SendWindow) -> None:
        self.db = db
        self.window = window
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, deque[float]] = {}  # each group's last sends (monotonic), for its 20 a minute
        self._slots: deque[float] = deque()  # leased overall slots (time.time()), earliest first
        self._lease_lock = asyncio.Lock()
        self._waiting = 0
        self._budget_paused_until = 0.0

    async def wait(self, chat_id: int | None) -> None:
        if chat_id is not None:
            await self._chat_turn(chat_id)
        await self._overall_turn()
        await self.window.wait_turn()

    async def _chat_turn(self, chat_id: int) -> None:
        now = time.monotonic()
        if len(self._chats) > 10_000:  # forget chats quiet for a while
            self._chats = {k: b for k, b in self._chats.items() if now - b.at < GROUP_WINDOW}
        if len(self._groups) > 10_000:
            self._groups = {k: d for k, d in self._groups.items() if d and now - d[-1] < GROUP_WINDOW}
        if chat_id < 0:  # a group: at most GROUP_LIMIT in any GROUP_WINDOW seconds
            sent = self._groups.setdefault(chat_id, deque(maxlen=GROUP_LIMIT))
            at = now
            if len(sent) == GROUP_LIMIT:
                at = max(now, sent[0] + GROUP_WINDOW)
            sent.append(at)
            if at > now:
                await asyncio.sleep(at - now)
            return
        bucket = self._chats.get(chat_id)  # a person: a burst, then one a second
        if bucket is None:
            bucket = self._chats[chat_id] = _Bucket(PRIVATE_BURST, now)
        bucket.tokens = min(PRIVATE_BURST, bucket.tokens + (now - bucket.at) / PRIVATE_INTERVAL)
        bucket.at = now
        bucket.tokens -= 1  # taken now; a negative balance is this reply's wait
        if bucket.tokens < 0:
            await asyncio.sleep(-bucket.tokens * PRIVATE_INTERVAL)

    async def _overall_turn(self) -> None:
        self._waiting += 1
        try:
            async with self._lease_lock:  # in arrival order
                now = time.time()
                while self._slots and self._slots[0] < now - OVERALL_INTERVAL:
                    self._slots.popleft()  # slots that went by unused
                if not self._slots and time.monotonic() >= self._budget_paused_until:
                    # As many slots as replies are waiting (up to LEASE): one trip for a crowd, none wasted alone.
                    count = min(LEASE, self._waiting)
                    try:
                        wait = await self.db.run(lambda s: reserve(s, "all", OVERALL_INTERVAL * count),
                                                 timeout=BUDGET_WAIT, core=True, keep_slot=True)
                    except Exception:  # the database is busy or away: the process's window paces alone
                        self._budget_paused_until = time.monotonic() + BUDGET_PAUSE
                        return
                    start = time.time() + wait
                    self._slots.extend(start + i * OVERALL_INTERVAL for i in range(count))
                if not self._slots:
                    return  # the database paused: the window alone
                slot = self._slots.popleft()
        finally:
            self._waiting -= 1
        if slot > time.time():
            await asyncio.sleep(slot - time.time())
