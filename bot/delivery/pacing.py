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


def reserve(session: Session, key: str, interval: float) -> float:
    """Take the next slot under `key`; returns how many seconds to wait before sending (0 when free now)."""
    dialect = session.get_bind().dialect.name
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
