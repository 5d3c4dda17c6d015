"""Registry answers the bot keeps between questions (the registry changes far less often than people ask)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bot.registry.audit import Generation

if TYPE_CHECKING:
    from bot.db.storage import Database

T = TypeVar("T")


class RegistryReads:
    """Answers read from the registry, kept until this process writes to the registry (audit.Generation) or
    `ttl` seconds pass (another process's writes): the registry changes far less often than people ask, and a
    trip to the database threads costs a busy bot ~1.5 ms of CPU (benchmarks/bench_e2e.py). Never holds roles:
    permissions are read on every update. One per database and use (`of`)."""

    def __init__(self, ttl: float = 60.0, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._held: dict[object, tuple[int, float, object]] = {}

    @classmethod
    def of(cls, db: Database, name: str) -> RegistryReads:
        return db.memo.setdefault(name, cls())  # type: ignore[return-value]

    async def read(self, db: Database, key: object, fn: Callable[..., T]) -> T:
        """`fn(session)` in the database threads, or what it gave for `key` while still current."""
        held = self._held.get(key)
        if held and held[0] == Generation.value and time.monotonic() - held[1] < self.ttl:
            return held[2]  # type: ignore[return-value]
        generation = Generation.value  # before the read: a write meanwhile is not hidden behind it
        value = await db.run(fn)
        if len(self._held) >= self.size:
            self._held.clear()
        self._held[key] = (generation, time.monotonic(), value)
        return value
